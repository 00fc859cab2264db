// Classifies a structure file (or the embedded sample) with the model embedded in Arise:
//   dotnet run --project samples/csharp -- FILE
using Arise;

try
{
    var structure = args.Length > 0 ? Structures.Read(args[0]) : Structures.Sample;
    var result = Recognizer.Default.Classify(structure, samples: 1000, top: 3);
    foreach (var c in result.Top)
        Console.WriteLine($"{c.Class,-40} {c.MaterialType,-18} {c.Probability:F4}");
    Console.WriteLine($"mutual information {result.MutualInformation:F4} nats: {result.Uncertainty} uncertainty");
}
catch (AriseException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 1;
}
return 0;
