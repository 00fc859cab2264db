module Arise.Bench.Program

/// Benchmarks print their figures; pick one by name (neighbours), or run all.
[<EntryPoint>]
let main argv =
    let rec findData (dir: System.IO.DirectoryInfo) =
        if isNull dir then
            None
        else
            let c = System.IO.Path.Combine(dir.FullName, "shared", "data")

            if System.IO.Directory.Exists c then
                Some c
            else
                findData dir.Parent

    let data =
        findData (System.IO.DirectoryInfo(System.IO.Directory.GetCurrentDirectory()))

    let all =
        [ "neighbours", NeighbourBench.run
          "soap", (fun () -> SoapBench.run data)
          "gemm", GemmBench.run
          "model", ModelBench.run
          "spm", (fun () -> SpmBench.run data)
          "cluster", ClusterBench.run [ 8000; 20000 ] [ 15; 500 ]
          "cluster-quick", ClusterBench.run [ 8000 ] [ 15; 500 ]
          "cluster-20k", ClusterBench.run [ 20000 ] [ 15; 500 ]
          "cluster-big", ClusterBench.big
          "tpe", TpeBench.run
          "png", PngBench.run
          "read", ReadBench.run
          "format", FormatBench.run
          "gpu", (fun () -> GpuBench.run SpmBench.model data) ]

    let chosen =
        if argv.Length = 0 then
            all
        else
            all |> List.filter (fun (name, _) -> Array.contains name argv)

    if chosen.IsEmpty then
        eprintfn "unknown benchmark; choose from: %s" (all |> List.map fst |> String.concat ", ")
        2
    else
        for (_, run) in chosen do
            run ()

        0
