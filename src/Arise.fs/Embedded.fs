/// The model and sample embedded in the Arise assembly.
module internal Arise.Embedded

open System.IO
open Arise.Model
open Arise.Structure

/// Name shown for the embedded sample.
let sampleName =
    "<embedded sample: fcc Cu cluster, 475 atoms, 5 % vacancies, 1 % displacements>"

/// Name shown for the embedded model.
let modelName = "<embedded model: 108 ARISE classes>"

/// The embedded model's file bytes, or None when the assembly was built without one.
let modelBytes () : byte[] option =
    use stream = typeof<AriseMarker>.Assembly.GetManifestResourceStream "model.arise"

    if isNull stream then
        None
    else
        use ms = new MemoryStream()
        stream.CopyTo ms
        Some(ms.ToArray())

/// The embedded model, read and checked once.
let model: Lazy<Result<Model, string>> =
    lazy
        (match modelBytes () with
         | None -> Error "this Arise was built without an embedded model; load one from a file"
         | Some bytes -> ModelFile.ofBytes modelName bytes)

/// The embedded sample structure, read once.
let sample: Lazy<Structure> =
    lazy
        (use stream = typeof<AriseMarker>.Assembly.GetManifestResourceStream "sample.xyz"
         use reader = new StreamReader(stream)

         match Formats.Xyz.parse sampleName (reader.ReadToEnd()) with
         | Ok(s :: _) -> s
         | _ -> failwith "the embedded sample is damaged")
