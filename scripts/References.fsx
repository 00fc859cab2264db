// The built Arise libraries and the packages they use, for scripts and notebooks (#load this file). Build them once
// with ./arise --version (or ./run-tests).
#r "../src/Arise.Cli.fs/bin/Release/net10.0/System.Numerics.Tensors.dll"
#r "../src/Arise.Cli.fs/bin/Release/net10.0/MathNet.Numerics.dll"
#r "../src/Arise.Cli.fs/bin/Release/net10.0/Plotly.NET.dll"
#r "../src/Arise.Cli.fs/bin/Release/net10.0/DynamicObj.dll"
#r "../src/Arise.Cli.fs/bin/Release/net10.0/Giraffe.ViewEngine.dll"
#r "../src/Arise.Cli.fs/bin/Release/net10.0/Newtonsoft.Json.dll"
#r "../src/Arise.Cli.fs/bin/Release/net10.0/Arise.Numerics.dll"
#r "../src/Arise.Cli.fs/bin/Release/net10.0/Arise.Structure.dll"
#r "../src/Arise.Cli.fs/bin/Release/net10.0/BitMiracle.LibTiff.NET.dll"
#r "../src/Arise.Cli.fs/bin/Release/net10.0/StbImageSharp.dll"
#r "../src/Arise.Cli.fs/bin/Release/net10.0/PureHDF.dll"
#r "../src/Arise.Cli.fs/bin/Release/net10.0/Arise.Imaging.dll"
#r "../src/Arise.Cli.fs/bin/Release/net10.0/Arise.Soap.dll"
#r "../src/Arise.Cli.fs/bin/Release/net10.0/Arise.Model.dll"
#r "../src/Arise.Cli.fs/bin/Release/net10.0/Arise.Spm.dll"
#r "../src/Arise.Cli.fs/bin/Release/net10.0/Arise.Pictures.dll"
#r "../src/Arise.Cli.fs/bin/Release/net10.0/Arise.Classic.dll"
#r "../src/Arise.Cli.fs/bin/Release/net10.0/Arise.Cluster.dll"
#r "../src/Arise.Cli.fs/bin/Release/net10.0/Arise.dll"

// One FSharp.Core for everything. Our libraries and Plotly.NET 6 (the only Plotly.NET served) are built against
// FSharp.Core 10.1; the Polyglot Notebooks kernel (.NET Interactive, dotnet-repl) and fsdocs host their own, 10.0,
// and the runtime refuses a lower version than an assembly asks for. Every request for FSharp.Core is answered with
// the one already loaded; the libraries use no function added in 10.1 (the notebooks and docs run on it in CI).
let private hostFSharpCore = typeof<list<int>>.Assembly

System.Runtime.Loader.AssemblyLoadContext.Default.add_Resolving (fun _ name -> if name.Name = "FSharp.Core" then hostFSharpCore else null)
