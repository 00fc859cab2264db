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

/// 10^0 … 10^21, exact.
let private powersOf10 =
    Array.scan (fun (p: UInt128) _ -> p * UInt128(0UL, 10UL)) UInt128.One [| 1..21 |]

/// 10^−5 … 10^14 as floats (Math.Pow's: an estimate of a number's exponent, which shortestDigits checks exactly).
let private powersOf10Float =
    Array.init 20 (fun i -> Math.Pow(10.0, Operators.float (i - 5)))

/// The digits .NET's "R" writes for x (1e-4 ≤ x < 1e14, not a power of two; m × 2^(b − 52), m < 2^53) and the
/// decimal exponent of the first: the correctly rounded 15, else 16, else 17 significant digits, the first that read
/// back as x (exact integer arithmetic: x × 10^s = m × 10^s / 2^n). With at most one 15-digit decimal in the interval
/// that reads back as x, these are the shortest digits, and of those the nearest, as .NET's "R" gives them. A tie
/// (x halfway between two such decimals, or a decimal at the interval's very end) gives count 0: the caller asks .NET.
let private shortestDigits (m: uint64) (b: int) (x: float) =
    // UInt128's own operators throughout: F#'s = and < would compare it generically (boxed)
    let n = 52 - b
    let half = UInt128.One <<< (n - 1)
    let mask = (UInt128.One <<< n) - UInt128.One
    let big = UInt128(0UL, m)
    // the exponent of x's first digit: from b, then by the floats 10^e (checked below, exactly)
    let mutable e =
        Operators.int (Math.Floor(Operators.float (b + 1) * 0.30102999566398119521))

    if x < powersOf10Float.[e + 5] then
        e <- e - 1

    let mutable result = struct (0UL, 0, e)
    let mutable k = 15

    while k <= 17 do
        let s = k - 1 - e
        // ⌊x × 10^s⌋ and the remainder (units of 2^−n)
        let product = big * powersOf10.[s]
        let q = uint64 (product >>> n)
        let r = product &&& mask

        if k = 15 && q < 100000000000000UL then
            e <- e - 1 // x below 10^e: again from 15 digits
        elif k = 15 && q >= 1000000000000000UL then
            e <- e + 1
        elif UInt128.op_Equality (r, half) then
            k <- 18 // a tie
        else
            let up = UInt128.op_GreaterThan (r, half)
            let err = if up then (mask - r) + UInt128.One else r
            let twice = err <<< 1

            if UInt128.op_LessThan (twice, powersOf10.[s]) then
                let q = if up then q + 1UL else q
                // rounded up to 10^k: the digits of 10^(e + 1)
                result <-
                    if q = uint64 powersOf10.[k] then
                        struct (q / 10UL, k, e + 1)
                    else
                        struct (q, k, e)

                k <- 18
            elif UInt128.op_Equality (twice, powersOf10.[s]) then
                k <- 18 // a decimal at the interval's end
            else
                k <- k + 1

    result

/// Writes the `count` digits of d (d < 10^17) at chars.[at] …, with a point after the first `whole` when fewer than all
/// (eight digits at a time in 32 bits); returns the end.
let private writeDigits (chars: char[]) (at: int) (d: uint64) (count: int) (whole: int) =
    let mutable low = uint32 (d % 100000000UL)
    let mutable high = uint32 (d / 100000000UL)
    let point = if whole < count then 1 else 0

    for j in count - 1 .. -1 .. 0 do
        let digit =
            if j >= count - 8 then
                let v = low % 10u
                low <- low / 10u
                v
            else
                let v = high % 10u
                high <- high / 10u
                v

        chars.[at + j + (if j >= whole then point else 0)] <- char (48u + digit)

    if point = 1 then
        chars.[at + whole] <- '.'

    at + count + point

/// Writes x as .NET's "R" does into `chars` (room for 32), returning the count: by shortestDigits where 1e-4 ≤ |x| <
/// 1e14 (fixed notation there), faster than .NET's formatter, which writes the rest.
let formatFloatInto (x: float) (chars: char[]) =
    let a = abs x
    let bits = BitConverter.DoubleToInt64Bits a
    let fraction = uint64 bits &&& 0xFFFFFFFFFFFFFUL

    let struct (digits, count, e) =
        if a >= 1e-4 && a < 1e14 && fraction <> 0UL then
            shortestDigits (fraction ||| (1UL <<< 52)) (Operators.int (bits >>> 52) - 1023) a
        else
            struct (0UL, 0, 0)

    if count = 0 then
        let mutable written = 0

        if not (x.TryFormat(Span chars, &written, "R", CultureInfo.InvariantCulture)) then
            invalidArg "chars" "room for 32 characters"

        written
    else
        // the digits without trailing zeros
        let mutable d = digits
        let mutable count = count

        while d % 10UL = 0UL do
            d <- d / 10UL
            count <- count - 1

        let mutable at = 0

        if x < 0.0 then
            chars.[0] <- '-'
            at <- 1

        // fixed notation: "0." and zeros, then the digits; or the digits with a point after the units, or zeros up to
        // the units
        if e < 0 then
            chars.[at] <- '0'
            chars.[at + 1] <- '.'

            for z in 0 .. -e - 2 do
                chars.[at + 2 + z] <- '0'

            writeDigits chars (at + 1 - e) d count count
        else
            let whole = e + 1
            let ending = writeDigits chars at d count whole

            for z in count .. whole - 1 do
                chars.[at + z] <- '0'

            max ending (at + whole)

/// Formats a float so that parsing it gives the same value back (.NET's "R" text, by formatFloatInto).
let formatFloat (x: float) =
    let chars = Array.zeroCreate<char> 32
    String(chars, 0, formatFloatInto x chars)

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
