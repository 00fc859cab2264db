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

/// The structure files directly inside `folder` (not in its subfolders), sorted by name: those whose name gives a
/// format (.xyz, .cif, POSCAR*, …), or every file when a format is given; hidden files are left out.
let structureFiles (options: StructureIO.ReadOptions) (folder: string) : string list =
    Directory.GetFiles folder
    |> Array.filter (fun f ->
        let name = Path.GetFileName f
        not (name.StartsWith ".") && (options.Format.IsSome || (StructureIO.formatOfPath f).IsSome))
    |> Array.sort
    |> List.ofArray

/// Reads all frames of every file (or the sample when none is given); a folder stands for its structure files
/// (structureFiles). Each file succeeds or fails on its own. Lazy, so that each file is read (and its result
/// reported) in turn.
let readMany (options: StructureIO.ReadOptions) (files: string list) : seq<string * Result<Structure list, ReadError>> =
    let read f = f, StructureIO.readAllWith options f
    match files with
    | [] -> Seq.singleton (sampleName, Ok [ sample () ])
    | _ ->
        files
        |> Seq.collect (fun f ->
            if Directory.Exists f then
                match structureFiles options f with
                | [] ->
                    let message = "a folder without structure files (.xyz, .extxyz, .in, .vasp, POSCAR*, .cif, .data, .lmp, .dump, .lammpstrj; or give --format)"
                    Seq.singleton (f, Error { File = f; Line = None; Message = message })
                | inside -> inside |> Seq.map read
            else Seq.singleton (read f))

/// The first frame of a file's frames, with a warning on stderr when there are more (the commands that take one
/// structure per file use the first).
let firstFrame (file: string) (frames: Structure list) : Structure =
    match frames with
    | first :: rest when not rest.IsEmpty ->
        eprintfn "warning: %s has %d frames; the first is used (write the others to files of their own to use them)" file (rest.Length + 1)
        first
    | first :: _ -> first
    | [] -> invalidArg "frames" (sprintf "%s: no frames" file)
