/// Small JSON emitting helpers over Utf8JsonWriter (one object per line).
module Arise.Cli.Json

open System
open System.IO
open System.Text.Json

/// Writes one compact JSON object to stdout, followed by a newline.
let writeLine (body: Utf8JsonWriter -> unit) =
    use stream = new MemoryStream()

    (use w =
        new Utf8JsonWriter(
            stream,
            JsonWriterOptions(Indented = false, Encoder = Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping)
        )

     w.WriteStartObject()
     body w
     w.WriteEndObject())

    let out = Console.OpenStandardOutput()
    out.Write(stream.ToArray(), 0, int stream.Length)
    out.WriteByte(byte '\n')
    out.Flush()

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
