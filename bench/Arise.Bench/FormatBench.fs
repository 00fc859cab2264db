/// Writing numbers as text that reads back exactly (atoms.xyz: six an atom): Text.formatFloatInto against .NET's "R"
/// formatter, on the kinds of numbers atoms.xyz holds.
module Arise.Bench.FormatBench

open System
open System.Diagnostics
open Arise.Structure.Formats

/// ns a number of `format` over `xs`, the best of 3 passes, and the characters written (a check that both agree).
let private time (xs: float[]) (format: float -> char[] -> int) =
    let chars = Array.zeroCreate<char> 32
    let mutable best = infinity
    let mutable total = 0L

    for _ in 1..3 do
        total <- 0L
        let sw = Stopwatch.StartNew()

        for x in xs do
            total <- total + int64 (format x chars)

        best <- min best (sw.Elapsed.TotalSeconds * 1e9 / float xs.Length)

    best, total

let run () =
    let random = Random(5)
    let n = 3_000_000
    let inv = Globalization.CultureInfo.InvariantCulture

    let dotnet (x: float) (chars: char[]) =
        let mutable written = 0
        x.TryFormat(Span chars, &written, "R", inv) |> ignore
        written

    let kinds =
        [ "positions (Å, from nm as float32)", Array.init n (fun _ -> 10.0 * float (float32 (random.NextDouble() * 60.0 - 2.0)) + 0.123)
          "mass-to-charge (float32, Da)", Array.init n (fun _ -> float (float32 (20.0 + 40.0 * random.NextDouble())))
          "probabilities (means of float32)",
          Array.init n (fun _ ->
              (float (float32 (random.NextDouble())) + float (float32 (random.NextDouble())))
              / 2.0)
          "short decimals", Array.init n (fun _ -> float (random.Next 100000) / 1000.0) ]

    printfn "Writing a number that reads back exactly (one core, best of 3 passes over %d numbers):" n
    printfn "  %-36s %12s %12s %7s" "numbers" ".NET \"R\"" "ours" "ratio"

    for name, xs in kinds do
        let theirs, a = time xs dotnet
        let ours, b = time xs Text.formatFloatInto
        let same = if a = b then "" else " (DIFFERENT LENGTHS)"
        printfn "  %-36s %9.1f ns %9.1f ns %6.2fx%s" name theirs ours (theirs / ours) same
