/// Shared helpers for the text readers: tokenising, number parsing, and turning failures into ReadError.
module internal Arise.Structure.Formats.Text

open System
open System.Globalization
open Arise.Structure

/// Raised inside a reader; caught by `guard` and turned into a ReadError.
exception ParseFailure of line: int option * message: string * needs: ReadSetting option

/// Stops the reader with a message about 1-based line `line`.
let failAt (line: int) (message: string) : 'T =
    raise (ParseFailure(Some line, message, None))

/// Stops the reader with a message that concerns the whole file.
let failFile (message: string) : 'T =
    raise (ParseFailure(None, message, None))

/// Stops the reader at 1-based line `line` because setting `needs` is missing.
let failNeeding (line: int) (needs: ReadSetting) (message: string) : 'T =
    raise (ParseFailure(Some line, message, Some needs))

/// Splits a line on whitespace.
let tokens (line: string) =
    line.Split([| ' '; '\t'; '\r' |], StringSplitOptions.RemoveEmptyEntries)

/// Removes a trailing comment starting with `marker`.
let stripComment (marker: char) (line: string) =
    match line.IndexOf marker with
    | -1 -> line
    | i -> line.Substring(0, i)

/// Parses a finite float (invariant culture; Fortran exponents 1.0d0 accepted) or fails naming the field.
let float (line: int) (what: string) (text: string) =
    let t = text.Replace('d', 'e').Replace('D', 'e')

    match Double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture) with
    | true, v when Double.IsFinite v -> v
    | true, _ -> failAt line (sprintf "%s is not finite: '%s'" what text)
    | _ -> failAt line (sprintf "%s is not a number: '%s'" what text)

/// Parses an integer or fails naming the field.
let int (line: int) (what: string) (text: string) =
    match Int32.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture) with
    | true, v -> v
    | _ -> failAt line (sprintf "%s is not an integer: '%s'" what text)

/// Atomic number of an element symbol (or number), or fails naming the symbol.
let element (line: int) (text: string) =
    match Elements.tryParse text with
    | Some z -> z
    | None -> failAt line (sprintf "unknown element symbol '%s'" text)

/// Formats a float so that parsing it gives the same value back.
let formatFloat (x: float) =
    x.ToString("R", CultureInfo.InvariantCulture)

/// Runs a reader body, turning any failure into a ReadError naming `file`. Never throws.
let guard (file: string) (body: unit -> 'T) : Result<'T, ReadError> =
    try
        Ok(body ())
    with
    | ParseFailure(line, message, needs) ->
        Error
            { File = file
              Line = line
              Message = message
              Needs = needs }
    | :? OutOfMemoryException -> reraise ()
    | ex ->
        Error
            { File = file
              Line = None
              Message = sprintf "unreadable content (%s)" ex.Message
              Needs = None }

/// Validates a finished structure, failing with the validation message.
let validated (s: Structure) =
    match Structure.validate s with
    | Ok s -> s
    | Error m -> failFile m

/// Splits text into lines (any newline convention).
let lines (text: string) =
    text.Replace("\r\n", "\n").Replace('\r', '\n').Split('\n')

/// Items a streamed read keeps, gathered in blocks of 65,536 (never grown and copied, as a List's array is when it
/// fills); ToArray copies them once into an array of their number.
[<Sealed>]
type Gathered<'T>() =
    let blocks = ResizeArray<'T[]>()
    let mutable current: 'T[] = [||]
    let mutable count = 0

    member _.Count = count

    member _.Add(x: 'T) =
        let i = count &&& 65535

        if i = 0 then
            current <- Array.zeroCreate 65536
            blocks.Add current

        current.[i] <- x
        count <- count + 1

    member _.ToArray() =
        let all = Array.zeroCreate count

        for b in 0 .. blocks.Count - 1 do
            Array.blit blocks.[b] 0 all (b <<< 16) (min 65536 (count - (b <<< 16)))

        all
