// The built Arise libraries and the packages they use, for scripts and notebooks (#load this file). Build them once
// with ./arise --version (or ./run-tests).
#r "../src/Arise.Cli.fs/bin/Release/net10.0/System.Numerics.Tensors.dll"
#r "../src/Arise.Cli.fs/bin/Release/net10.0/MathNet.Numerics.dll"
#r "../src/Arise.Cli.fs/bin/Release/net10.0/Plotly.NET.dll"
#r "../src/Arise.Cli.fs/bin/Release/net10.0/DynamicObj.dll"
#r "../src/Arise.Cli.fs/bin/Release/net10.0/Giraffe.ViewEngine.dll"
#r "../src/Arise.Cli.fs/bin/Release/net10.0/Newtonsoft.Json.dll"
#r "../src/Arise.Cli.fs/bin/Release/net10.0/Arise.Structure.dll"
#r "../src/Arise.Cli.fs/bin/Release/net10.0/Arise.Soap.dll"
#r "../src/Arise.Cli.fs/bin/Release/net10.0/Arise.Model.dll"
#r "../src/Arise.Cli.fs/bin/Release/net10.0/Arise.Spm.dll"
#r "../src/Arise.Cli.fs/bin/Release/net10.0/Arise.Classic.dll"
#r "../src/Arise.Cli.fs/bin/Release/net10.0/Arise.Cluster.dll"
