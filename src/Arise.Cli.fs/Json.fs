/// Small JSON emitting helpers over Utf8JsonWriter: one JSON array of objects (default), or JSON Lines.
module Arise.Cli.Json

open System
open System.IO
open System.Text.Json

/// How a verb's objects are printed.
type Style =
    /// One JSON array (`json.load` reads it), an object a line: "[", objects separated by ",", "]".
    | Array
    /// JSON Lines: one object a line, nothing around them.
    | Lines

/// What a verb prints its results as: a table (or text), JSON (an array or JSON Lines) or CSV.
type Output =
    | AsTable
    | AsJson of Style
    | AsCsv

/// The JSON style of an output (JSON Lines for the others, whose sink stays unused).
let styleOf (output: Output) =
    match output with
    | AsJson style -> style
    | _ -> Lines

/// A CSV field, quoted when it holds a comma, a quote or a line break.
let csvField (s: string) =
    if s.IndexOfAny [| ','; '"'; '\n'; '\r' |] >= 0 then
        "\"" + s.Replace("\"", "\"\"") + "\""
    else
        s

/// Writes one compact JSON object to stdout, and a newline after it when `newline`.
let private writeObject (newline: bool) (body: Utf8JsonWriter -> unit) =
    use stream = new MemoryStream()

    (use w =
        new Utf8JsonWriter(
            stream,
            JsonWriterOptions(Indented = false, Encoder = Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping)
        )

     w.WriteStartObject()
     body w
     w.WriteEndObject())

    Console.Out.Flush()
    let out = Batch.standardOutput ()
    out.Write(stream.ToArray(), 0, int stream.Length)

    if newline then
        out.WriteByte(byte '\n')

    out.Flush()

/// Writes one compact JSON object to stdout, followed by a newline.
let writeLine (body: Utf8JsonWriter -> unit) = writeObject true body

/// Writes a number, or null when it is not finite (JSON has no NaN).
let number (w: Utf8JsonWriter) (name: string) (x: float) =
    if Double.IsFinite x then
        w.WriteNumber(name, x)
    else
        w.WriteNull(name)

/// Writes an array of numbers.
let numbers (w: Utf8JsonWriter) (name: string) (xs: float seq) =
    w.WriteStartArray(name)

    for x in xs do
        if Double.IsFinite x then
            w.WriteNumberValue x
        else
            w.WriteNullValue()

    w.WriteEndArray()

/// The objects of one verb's run, in a style: an array's brackets and commas are written around them, the closing
/// bracket when the sink is disposed (an empty run prints []).
/// In a worker of a supervised batch (Batch) the array goes on from the objects earlier workers wrote, and the
/// supervisor closes it.
type Sink(style: Style) =
    let mutable count = Batch.objectsBefore ()

    do
        if style = Array then
            Batch.arrayOpened ()

    /// Writes one object.
    member _.Write(body: Utf8JsonWriter -> unit) =
        match style with
        | Lines -> writeLine body
        | Array ->
            Console.Out.Write(if count = 0 then "[\n" else ",\n")
            writeObject false body

        count <- count + 1
        Batch.objectWritten ()

    interface IDisposable with
        member _.Dispose() =
            if style = Array && Batch.closesArray () then
                Console.Out.Write(if count = 0 then "[]\n" else "\n]\n")
                Console.Out.Flush()
