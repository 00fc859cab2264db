module Arise.Bench.Program

/// Benchmarks print their figures; pick one by name (neighbours), or run all.
[<EntryPoint>]
let main argv =
    let all = [ "neighbours", NeighbourBench.run ]
    let chosen = if argv.Length = 0 then all else all |> List.filter (fun (name, _) -> Array.contains name argv)
    if chosen.IsEmpty then
        eprintfn "unknown benchmark; choose from: %s" (all |> List.map fst |> String.concat ", ")
        2
    else
        for (_, run) in chosen do
            run ()
        0
