(**
# Getting started

Build the libraries once from a clone (`./arise --version`), then load them in a script, `dotnet fsi` or a notebook.
Lengths are in Å (or the file's own unit, e.g. pixels: the descriptor is scaled by the nearest-neighbour distance);
probabilities lie in 0–1; the mutual information and the entropy are in nats.
*)
(*** hide ***)
#load "../scripts/References.fsx"
(*** show ***)
// #load "scripts/References.fsx"   from the repository root
open Arise

(**
## One structure

`Recognizer.Default` is the model embedded in the library (108 prototype classes, trained by us on the paper
authors' ideal structures). `Classify` runs T Monte Carlo dropout passes (default 1000) and ranks the classes:
*)
let cluster = Structures.Supercell(Structures.Bcc("Fe", 2.87), 5, finite = true)
let result = Recognizer.Default.Classify(cluster, samples = 200, name = "bcc Fe, 5×5×5 cluster")
printfn "%O" result
(*** include-output ***)

(**
The parts of the result, for code:
*)
result.Best.Class, result.Best.Probability, result.MutualInformation, result.Uncertainty
(*** include-it ***)

(**
Files are read by their extension (extended XYZ, FHI-aims `geometry.in`, POSCAR, CIF, LAMMPS data and dump):
`Recognizer.Default.ClassifyFile "my.cif"`, or `Structures.Read` and then `Classify`. A file that cannot be read
raises `AriseException` naming the file and the line:
*)
try
    Structures.Parse("3\nnot a comment line?\nFe 0 0 0\n", "xyz", name = "broken.xyz") |> ignore
with :? AriseException as e ->
    printfn "%s" e.Message
(*** include-output ***)

(**
## From C#

The same face reads naturally from C# (static members with optional arguments); `samples/csharp` is a complete
program that the tests build and run:

```csharp
using Arise;

var structure = args.Length > 0 ? Structures.Read(args[0]) : Structures.Sample;
var result = Recognizer.Default.Classify(structure, samples: 1000, top: 3);
foreach (var c in result.Top)
    Console.WriteLine($"{c.Class,-40} {c.MaterialType,-18} {c.Probability:F4}");
Console.WriteLine($"mutual information {result.MutualInformation:F4} nats: {result.Uncertainty} uncertainty");
```

## Packages

`scripts/pack.sh` packs the library (`Arise`, with the embedded model) and the command-line tool (`Arise.Cli`,
command `arise`) into a local folder feed:

```sh
scripts/pack.sh out/feed 0.1.0
dotnet tool install Arise.Cli --add-source out/feed --tool-path ~/.arise --version 0.1.0
```

and a script uses the library with `#i "nuget: /path/to/out/feed"` and `#r "nuget: Arise, 0.1.0"`.
*)
