// Shared by the scripts: the built Arise libraries (run ./arise --version once to build them) and option parsing.
#load "References.fsx"

module ScriptArgs =
    let private args = fsi.CommandLineArgs |> Array.skip 1

    /// The value after `--name`, or the default.
    let get (name: string) (defaultValue: string) =
        match Array.tryFindIndex ((=) name) args with
        | Some i when i + 1 < args.Length -> args.[i + 1]
        | _ -> defaultValue

    /// The repository root and the data release beside it.
    let root = System.IO.Path.Combine(__SOURCE_DIRECTORY__, "..")

    /// --data, or the data release as the library finds it ($ARISE_SHARED_DATA, or shared/data above the current folder or
    /// the libraries), or ../shared/data beside the repository.
    let data =
        get
            "--data"
            (Arise.DataRelease.tryFolder ()
             |> Option.defaultValue (System.IO.Path.Combine(root, "..", "shared", "data")))

    /// The model file: --model, or the repository's embedded model.
    let modelPath () =
        get "--model" (System.IO.Path.Combine(root, "models", "arise-108.model"))

    /// Reads a structure of the data release (path parts below ../shared/data), stopping the script with the reason
    /// when it cannot.
    let dataStructure (parts: string list) =
        match Arise.Structure.StructureIO.read (System.IO.Path.Combine(Array.ofList (data :: parts))) with
        | Ok s -> s
        | Error e ->
            eprintfn "%O" e
            exit 2

    /// The FePt nanoparticle from atomic electron tomography (paper Fig. 4).
    let fePtNanoparticle () =
        dataStructure [ "aet"; "FePt_nanoparticle_AET_2017.xyz" ]

    /// Progress that prints the share of the work done each time it passes another `step` (0.05: every 5 %).
    let progressEvery (step: float) =
        let shown = ref -1

        System.Progress<float>(fun f ->
            let k = int (f / step)

            lock shown (fun () ->
                if k > shown.Value then
                    shown.Value <- k
                    printfn "  %3.0f %% of the boxes" (100.0 * f)))

    /// The recogniser of the model (see modelPath), stopping the script with the reason when it cannot be loaded.
    let recognizer () =
        try
            Arise.Recognizer.Load(modelPath ())
        with :? Arise.AriseException as e ->
            eprintfn "%s" e.Message
            exit 2

    /// Loads the model (see modelPath), stopping the script with the reason when it cannot.
    let model () =
        match Arise.Model.ModelFile.load (modelPath ()) with
        | Ok m -> m
        | Error e ->
            eprintfn "%s" e
            exit 2

/// Writing pictures from the scripts.
module ScriptPictures =
    /// Saves an SPM map into `dir` (spm.npz, boxes.csv, atoms.xyz, HTML maps) and a PNG beside each map where a
    /// Chromium is installed; prints what was written and any problem.
    let save (dir: string) (map: Arise.SpmMap) =
        let files = map.Save dir
        let maps = files |> Array.filter (fun f -> f.EndsWith ".html") |> List.ofArray
        let pngs = Arise.Pictures.Picture.writePngs maps
        printfn "results in %s: %d files, %d HTML maps, %d PNG" dir files.Length maps.Length pngs.Written.Length

        for problem in pngs.Problems do
            eprintfn "note: %s" problem

    /// SPM maps as HTML, and as PNG where a Chromium is installed; prints what was written and any problem.
    let writeMaps (dir: string) (samples: int) (r: Arise.Spm.SpmResult) =
        let maps = Arise.Pictures.SpmMaps.writeMaps dir samples r
        let pngs = Arise.Pictures.Picture.writePngs maps
        printfn "pictures in %s: %d HTML, %d PNG" dir maps.Length pngs.Written.Length

        for problem in pngs.Problems do
            eprintfn "note: %s" problem
