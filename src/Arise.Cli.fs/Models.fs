/// Where the CLI's model comes from: a file, or the model embedded in the arise executable.
module Arise.Cli.Models

open System.IO
open Arise.Model

/// Name shown for the embedded model.
let embeddedName = "<embedded model: 108 ARISE classes>"

/// Loads the model from a file, or the embedded one when no file is given.
let load (file: string option) : Result<Model, string> =
    match file with
    | Some f -> ModelFile.load f
    | None ->
        use stream = System.Reflection.Assembly.GetExecutingAssembly().GetManifestResourceStream "model.arise"
        if isNull stream then Error "this arise was built without an embedded model; give one with --model FILE"
        else
            use ms = new MemoryStream()
            stream.CopyTo ms
            ModelFile.ofBytes embeddedName (ms.ToArray())
