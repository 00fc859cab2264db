/// Where the CLI's structures come from: files on disk, or the embedded sample.
module Arise.Cli.Inputs

open System.IO
open Arise.Structure
open Arise.Imaging

/// Name shown for the embedded sample.
let sampleName =
    "<embedded sample: fcc Cu cluster, 475 atoms, 5 % vacancies, 1 % displacements>"

/// The embedded sample structure (an extended XYZ written by Arise itself).
let sample () : Structure = Arise.Structures.Sample

/// The structure files directly inside `folder` (not in its subfolders), in ordinal name order: those whose name
/// gives a format (.xyz, .cif, POSCAR*, …), or every file when a format is given; hidden files are left out.
let structureFiles (options: StructureIO.ReadOptions) (folder: string) : string list =
    Directory.GetFiles folder
    |> Array.filter (fun f ->
        let name = Path.GetFileName f

        not (name.StartsWith ".")
        && (options.Format.IsSome
            || (StructureIO.formatOfPath f).IsSome
            || ImageIO.isImagePath f))
    |> Array.sortWith (fun a b -> System.String.CompareOrdinal(a, b))
    |> List.ofArray

/// With `recursive`, each folder among `files` followed by its subfolders at any depth that hold structure files
/// (hidden ones left out), in ordinal order; a folder without any stays, so that it is reported. Files are kept.
let expandFolders (recursive: bool) (options: StructureIO.ReadOptions) (files: string list) : string list =
    if not recursive then
        files
    else
        files
        |> List.collect (fun f ->
            if Directory.Exists f then
                let rec below (dir: string) : string list =
                    let subs =
                        try
                            Directory.GetDirectories dir
                            |> Array.filter (fun d -> not (Path.GetFileName(d).StartsWith "."))
                            |> Array.sortWith (fun a b -> System.String.CompareOrdinal(a, b))
                            |> List.ofArray
                        with _ ->
                            []

                    let here =
                        (try
                            structureFiles options dir
                         with _ ->
                             [])
                        |> List.isEmpty
                        |> not

                    (if here then [ dir ] else []) @ List.collect below subs

                match below f with
                | [] -> [ f ]
                | found -> found
            else
                [ f ])

/// A read error as the command line says it: with the flag that supplies a missing setting.
let describe (e: ReadError) =
    e.Describe(function
        | ReadSetting.Format -> "--format"
        | ReadSetting.Types -> "--types"
        | ReadSetting.Ranges -> "--ranges")

/// How atom columns are found in images and turned into atoms (--pixel-size, --column-spacing, --column-size,
/// --species; Columns.defaults otherwise).
type ImageSettings =
    { PixelSize: float option
      Columns: Columns.Settings
      Species: string list }

/// Images: calibration from the file, spacing and size estimated, one species (C).
let imageDefaults =
    { PixelSize = None
      Columns = Columns.defaults
      Species = [] }

/// Image settings from the options; Error names the bad one.
let imageSettings
    (pixelSize: float option)
    (spacing: float option)
    (size: float option)
    (threshold: float option)
    (species: string option)
    : Result<ImageSettings, string> =
    let positive name (v: float option) =
        match v with
        | Some v when not (v > 0.0) || System.Double.IsInfinity v -> Some(sprintf "%s must be a positive number (got %g)" name v)
        | _ -> None

    let parsed = species |> Option.map Columns.parseSpecies
    let names = parsed |> Option.bind Result.toOption |> Option.defaultValue []

    match
        [ positive "--pixel-size" pixelSize
          positive "--column-spacing" spacing
          positive "--column-size" size
          (match threshold with
           | Some t when not (t >= 0.0) -> Some(sprintf "--threshold must be ≥ 0 (got %g)" t)
           | _ -> None)
          (match parsed with
           | Some(Error e) -> Some("--species: " + e)
           | _ when species.IsSome && names.IsEmpty -> Some "--species: no elements given (e.g. C,Si)"
           | _ when names.Length > 16 -> Some "--species: at most 16 elements"
           | _ -> None) ]
        |> List.choose id
    with
    | first :: _ -> Error first
    | [] ->
        Ok
            { PixelSize = pixelSize
              Columns =
                { Columns.defaults with
                    Spacing = spacing
                    ColumnSize = size
                    NoiseThreshold = defaultArg threshold Columns.defaults.NoiseThreshold
                    Classes = max 1 names.Length }
              Species = names }

/// The atom columns of an image file, as a flat structure (Columns.toStructure); a read or finding error names the file.
let readImage (settings: ImageSettings) (path: string) : Result<Columns.Found * Structure, ReadError> =
    match ImageIO.read path with
    | Error e -> Error e
    | Ok image ->
        // a progress bar (on stderr) for large images: finding the columns of 4096 × 4096 pixels takes about 10 s
        let find () =
            if int64 image.Width * int64 image.Height >= 4_000_000L then
                Outputs.withProgress (sprintf "columns of %s" (Path.GetFileName path)) 1.0 (fun task ->
                    Columns.find settings.Columns (fun f -> task.Value <- f) image)
            else
                Columns.find settings.Columns ignore image

        match find () with
        | Error message ->
            Error
                { File = path
                  Line = None
                  Message = message + " (set --column-spacing and --column-size in pixels)"
                  Needs = None }
        | Ok found when found.Columns.Length = 0 ->
            Error
                { File = path
                  Line = None
                  Message = "no atom columns found (lower --threshold, or set --column-spacing and --column-size in pixels)"
                  Needs = None }
        | Ok found -> Ok(found, Columns.toStructure settings.Species settings.PixelSize found)

/// Reads all frames of every file (or the sample when none is given); a folder stands for its structure files
/// (structureFiles); an image stands for the atom columns found in it (readImage). Each file or folder succeeds or
/// fails on its own. Lazy, so that each file is read (and its result reported) in turn.
let readManyWith
    (images: ImageSettings)
    (options: StructureIO.ReadOptions)
    (files: string list)
    : seq<string * Result<Structure list, ReadError>> =
    let read f =
        if options.Format.IsNone && ImageIO.isImagePath f then
            let atoms =
                readImage images f
                |> Result.map (fun (_, s) -> [ (if options.OneSpecies then Structure.asOneSpecies s else s) ])

            f, atoms
        else
            f, StructureIO.readAllWith options f

    let failure f message =
        f,
        Error
            { File = f
              Line = None
              Message = message
              Needs = None }

    match files with
    | [] -> Seq.singleton (sampleName, Ok [ sample () ])
    | _ ->
        files
        |> Seq.mapi (fun i f -> i, f)
        |> Seq.collect (fun (i, f) ->
            // in a supervised batch (Batch): the work on this entry starts; an entry that crashed a worker before
            // gets that as its error
            Batch.working ()

            match Batch.crashOf i with
            | Some reason -> Seq.singleton (failure f reason)
            | None when Directory.Exists f ->
                match
                    (try
                        Ok(structureFiles options f)
                     with e ->
                         Error e.Message)
                with
                | Error reason -> Seq.singleton (failure f (sprintf "cannot list the folder (%s)" reason))
                | Ok [] ->
                    Seq.singleton (
                        failure
                            f
                            "a folder without structure files (.xyz, .extxyz, .in, .vasp, POSCAR*, CONTCAR*, .cif, .data, .lmp, .dump, \
                                .lammpstrj; or give --format) or images (.tif, .png, .npy, .dm3, .dm4, .emd, …); files in its \
                                subfolders are read with --recursive"
                    )
                | Ok inside ->
                    // an empty file, a pipe or a device gets the same error as when named directly (readAllWith)
                    inside |> Seq.map read
            | None -> Seq.singleton (read f))

/// The inputs of a batch one by one: each folder stands for its structure files (as readManyWith reads them); a
/// folder without any, or that cannot be listed, stays, so that it is reported.
let entries (options: StructureIO.ReadOptions) (files: string list) : string list =
    files
    |> List.collect (fun f ->
        if Directory.Exists f then
            match
                (try
                    structureFiles options f
                 with _ ->
                     [])
            with
            | [] -> [ f ]
            | inside -> inside
        else
            [ f ])

/// Runs a batch verb's `body` over the inputs one by one (`entries`), in workers that survive crashes (Batch).
let batch (rule: Batch.ExitRule) (options: StructureIO.ReadOptions) (body: string list -> int) (files: string list) =
    Batch.run rule (entries options files) body

/// readManyWith, images read with the defaults.
let readMany (options: StructureIO.ReadOptions) (files: string list) =
    readManyWith imageDefaults options files

/// The first frame of a file's frames, with a warning on stderr when there are more (the commands that take one
/// structure per file use the first).
let firstFrame (file: string) (frames: Structure list) : Structure =
    match frames with
    | first :: rest when not rest.IsEmpty ->
        eprintfn "warning: %s has %d frames; the first is used (write the others to files of their own to use them)" file (rest.Length + 1)
        first
    | first :: _ -> first
    | [] -> invalidArg "frames" (sprintf "%s: no frames" file)
