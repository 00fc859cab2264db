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

/// The engine every pipeline of this verb runs on: the managed CPU engine unless --engine chose another.
let mutable engine = Engines.managed

/// Takes the engine named by --engine (when given) for this verb's pipelines, and says which on stderr.
let useEngine (name: string option) : Result<unit, string> =
    match name with
    | None -> Ok()
    | Some n ->
        match Arise.Gpu.Gpu.select n with
        | Ok e ->
            engine <- e
            eprintfn "engine: %s" e.Name
            Ok()
        | Error e -> Error(sprintf "--engine %s: %s" n e)

/// The pipeline of a model on the chosen engine; raises ArgumentException when its descriptor settings are unusable.
let pipeline (m: Model) =
    match Pipeline.createWith engine m with
    | Ok p -> p
    | Error e -> invalidArg "model" e
