/// Where the CLI's structures come from: files on disk, or the embedded sample.
module Arise.Cli.Inputs

open System.IO
open Arise.Structure

/// Name shown for the embedded sample.
let sampleName = "<embedded sample: fcc Cu cluster, 475 atoms, 5 % vacancies, 1 % displacements>"

/// The embedded sample structure (an extended XYZ written by Arise itself).
let sample () : Structure =
    use stream = System.Reflection.Assembly.GetExecutingAssembly().GetManifestResourceStream "sample.xyz"
    use reader = new StreamReader(stream)
    match Formats.Xyz.parse sampleName (reader.ReadToEnd()) with
    | Ok(s :: _) -> s
    | _ -> failwith "the embedded sample is damaged"

/// Reads all frames of every file (or the sample when none is given); each file succeeds or fails on its own.
/// Lazy, so that each file is read (and its result reported) in turn.
let readMany (options: StructureIO.ReadOptions) (files: string list) : seq<string * Result<Structure list, ReadError>> =
    match files with
    | [] -> Seq.singleton (sampleName, Ok [ sample () ])
    | _ -> files |> Seq.map (fun f -> f, StructureIO.readAllWith options f)

/// The first frame of a file's frames, with a warning on stderr when there are more (the commands that take one
/// structure per file use the first).
let firstFrame (file: string) (frames: Structure list) : Structure =
    match frames with
    | first :: rest when not rest.IsEmpty ->
        eprintfn "warning: %s has %d frames; the first is used (write the others to files of their own to use them)" file (rest.Length + 1)
        first
    | first :: _ -> first
    | [] -> invalidArg "frames" (sprintf "%s: no frames" file)
