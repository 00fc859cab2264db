/// Where the CLI's model comes from: a file, or the model embedded in the arise executable.
module Arise.Cli.Models

open Arise.Model

/// Loads the model from a file, or the embedded one when no file is given.
let load (file: string option) : Result<Model, string> =
    match file with
    | Some f -> ModelFile.load f
    | None ->
        try
            Ok Arise.Recognizer.Default.Model
        with :? Arise.AriseException as e ->
            Error(sprintf "%s; give a model with --model FILE" e.Reason)
