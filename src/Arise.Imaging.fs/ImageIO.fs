module Arise.Imaging.ImageIO

open System
open System.IO
open Arise.Structure
open Arise.Numerics
open BitMiracle.LibTiff.Classic

let extensions =
    [ ".npy"
      ".tif"
      ".tiff"
      ".png"
      ".jpg"
      ".jpeg"
      ".bmp"
      ".dm3"
      ".dm4"
      ".emd" ]

let private extension (path: string) =
    Path.GetExtension(path).ToLowerInvariant()

let isImagePath (path: string) =
    List.contains (extension path) extensions

let maxFileBytes = 4L <<< 30

exception private Bad of string

let private bad message = raise (Bad message)

let private checkSize (w: int64) (h: int64) =
    if w < 1L || h < 1L then
        bad (sprintf "an image of %d × %d pixels" w h)

    if w * h > Image.maxPixels then
        bad (sprintf "an image of %d × %d pixels (at most %d pixels are read)" w h Image.maxPixels)

let private image (path: string) (w: int) (h: int) (pixels: float array) (scale: float option) =
    { Width = w
      Height = h
      Pixels = pixels
      PixelSize = scale
      Source = Path.GetFileName path }

// ---- .npy: 2D (rows × columns) or 3D (frames × rows × columns, or rows × columns × channels up to 4)

let private readNpy (path: string) (bytes: byte array) =
    match Npy.parse bytes with
    | Error e -> bad e
    | Ok a ->
        let kind = a.Descr.TrimStart('<', '|', '=')

        let size =
            match kind with
            | "u1"
            | "i1"
            | "b1" -> 1
            | "u2"
            | "i2" -> 2
            | "u4"
            | "i4"
            | "f4" -> 4
            | "u8"
            | "i8"
            | "f8" -> 8
            | _ -> bad (sprintf "numpy dtype '%s' (integers, float32 and float64 are read)" a.Descr)

        if a.Descr.StartsWith ">" && size > 1 then
            bad "a big-endian numpy array (save it little-endian: a.astype('<f4'))"

        let shape = a.Shape |> List.map int64

        let h, w, channels, count =
            match shape with
            | [ h; w ] -> h, w, 1L, h * w
            | [ h; w; c ] when c >= 1L && c <= 4L -> h, w, c, h * w * c
            | [ n; h; w ] when n >= 1L -> h, w, 1L, h * w
            | s -> bad (sprintf "an array of shape (%s): an image is rows × columns" (s |> List.map string |> String.concat ", "))

        checkSize w h

        if int64 a.Data.Length < count * int64 size then
            bad "fewer values than its shape says"

        let value (i: int) =
            let s = ReadOnlySpan(a.Data, i * size, size)

            match kind with
            | "u1"
            | "b1" -> float s.[0]
            | "i1" -> float (sbyte s.[0])
            | "u2" -> float (Buffers.Binary.BinaryPrimitives.ReadUInt16LittleEndian s)
            | "i2" -> float (Buffers.Binary.BinaryPrimitives.ReadInt16LittleEndian s)
            | "u4" -> float (Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian s)
            | "i4" -> float (Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian s)
            | "u8" -> float (Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian s)
            | "i8" -> float (Buffers.Binary.BinaryPrimitives.ReadInt64LittleEndian s)
            | "f4" -> float (Buffers.Binary.BinaryPrimitives.ReadSingleLittleEndian s)
            | _ -> Buffers.Binary.BinaryPrimitives.ReadDoubleLittleEndian s

        let c = int channels

        let pixels =
            Array.init (int (w * h)) (fun p ->
                let mutable s = 0.0

                for k in 0 .. c - 1 do
                    s <- s + value (p * c + k)

                s / float c)

        image path (int w) (int h) pixels None

// ---- TIFF through LibTiff.NET: strips or tiles, 1–4 samples of 8/16/32/64 bits (unsigned, signed or float)

type private QuietTiff() =
    inherit TiffErrorHandler()
    override _.ErrorHandler(_: Tiff, _: string, _: string, _: obj array) = ()
    override _.WarningHandler(_: Tiff, _: string, _: string, _: obj array) = ()

let private tiffErrors = lazy (Tiff.SetErrorHandler(QuietTiff()) |> ignore)

let private readTiff (path: string) (bytes: byte array) =
    tiffErrors.Force()
    use stream = new MemoryStream(bytes)

    use tif =
        match Tiff.ClientOpen(Path.GetFileName path, "r", stream, TiffStream()) with
        | null -> bad "not a TIFF file LibTiff can open"
        | t -> t

    let field (tag: TiffTag) (fallback: int) =
        match tif.GetField tag with
        | null -> fallback
        | v when v.Length > 0 -> v.[0].ToInt()
        | _ -> fallback

    let w = field TiffTag.IMAGEWIDTH 0
    let h = field TiffTag.IMAGELENGTH 0
    checkSize (int64 w) (int64 h)
    let bits = field TiffTag.BITSPERSAMPLE 1
    let samples = max 1 (field TiffTag.SAMPLESPERPIXEL 1)
    let format = field TiffTag.SAMPLEFORMAT 1
    let planar = field TiffTag.PLANARCONFIG 1

    if not (List.contains bits [ 8; 16; 32; 64 ]) then
        bad (sprintf "%d bits a sample (8, 16, 32 and 64 are read)" bits)

    if samples > 4 || planar <> 1 then
        bad (sprintf "%d samples a pixel%s (at most 4, interleaved)" samples (if planar <> 1 then ", planar" else ""))

    let compression = field TiffTag.COMPRESSION 1
    let raw = int64 w * int64 h * int64 samples * int64 (bits / 8)

    if compression = 1 && raw > int64 bytes.Length then
        bad "fewer bytes than its uncompressed pixels need"

    if raw > 64L * int64 bytes.Length + (1L <<< 20) then
        bad "more pixels than its size can hold"

    // every strip (or tile) must lie inside the file: a damaged byte count would make LibTiff allocate it
    let extents =
        match
            tif.GetField(
                if tif.IsTiled() then
                    TiffTag.TILEBYTECOUNTS
                else
                    TiffTag.STRIPBYTECOUNTS
            ),
            tif.GetField(
                if tif.IsTiled() then
                    TiffTag.TILEOFFSETS
                else
                    TiffTag.STRIPOFFSETS
            )
        with
        | null, _
        | _, null -> bad "no strip or tile byte counts and offsets"
        | counts, offsets when counts.Length > 0 && offsets.Length > 0 ->
            let c, o = counts.[0].TolongArray(), offsets.[0].TolongArray()

            if c.Length <> o.Length then
                bad (sprintf "%d strip byte counts for %d offsets" c.Length o.Length)

            Array.zip c o
        | _ -> bad "no strip or tile byte counts and offsets"

    if
        extents
        |> Array.exists (fun (c, o) -> c < 0L || o < 0L || c + o > int64 bytes.Length)
    then
        bad "a strip or tile runs past the end of the file"

    let size = bits / 8

    let value (buffer: byte array) (i: int) =
        let s = ReadOnlySpan(buffer, i * size, size)

        match format, bits with
        | 3, 32 -> float (BitConverter.ToSingle s)
        | 3, 64 -> BitConverter.ToDouble s
        | 2, 8 -> float (sbyte s.[0])
        | 2, 16 -> float (BitConverter.ToInt16 s)
        | 2, 32 -> float (BitConverter.ToInt32 s)
        | 2, 64 -> float (BitConverter.ToInt64 s)
        | _, 8 -> float s.[0]
        | _, 16 -> float (BitConverter.ToUInt16 s)
        | _, 32 -> float (BitConverter.ToUInt32 s)
        | _, _ -> float (BitConverter.ToUInt64 s)

    let pixels = Array.zeroCreate<float>(w * h)

    let put (buffer: byte array) (offset: int) (x: int) (y: int) =
        let mutable s = 0.0

        for k in 0 .. samples - 1 do
            s <- s + value buffer (offset + k)

        pixels.[y * w + x] <- s / float samples

    if tif.IsTiled() then
        let tw = field TiffTag.TILEWIDTH 0
        let th = field TiffTag.TILELENGTH 0

        if tw < 1 || th < 1 || int64 tw * int64 th > Image.maxPixels then
            bad (sprintf "tiles of %d × %d pixels" tw th)

        let buffer = Array.zeroCreate<byte>(tif.TileSize())

        for ty in 0..th .. h - 1 do
            for tx in 0..tw .. w - 1 do
                if tif.ReadTile(buffer, 0, tx, ty, 0, 0s) < 0 then
                    bad (sprintf "the tile at (%d, %d) cannot be read" tx ty)

                for y in ty .. min (h - 1) (ty + th - 1) do
                    for x in tx .. min (w - 1) (tx + tw - 1) do
                        put buffer (((y - ty) * tw + (x - tx)) * samples) x y
    else
        let buffer = Array.zeroCreate<byte>(max (tif.ScanlineSize()) (w * samples * size))

        for y in 0 .. h - 1 do
            if not (tif.ReadScanline(buffer, y)) then
                bad (sprintf "row %d cannot be read" (y + 1))

            for x in 0 .. w - 1 do
                put buffer (x * samples) x y

    image path w h pixels None

let private writeTiff (path: string) (im: Image) =
    tiffErrors.Force()

    use tif =
        match Tiff.Open(path, "w") with
        | null -> failwithf "%s: cannot be written" path
        | t -> t

    tif.SetField(TiffTag.IMAGEWIDTH, im.Width) |> ignore
    tif.SetField(TiffTag.IMAGELENGTH, im.Height) |> ignore
    tif.SetField(TiffTag.BITSPERSAMPLE, 32) |> ignore
    tif.SetField(TiffTag.SAMPLESPERPIXEL, 1) |> ignore
    tif.SetField(TiffTag.SAMPLEFORMAT, SampleFormat.IEEEFP) |> ignore
    tif.SetField(TiffTag.PHOTOMETRIC, Photometric.MINISBLACK) |> ignore
    tif.SetField(TiffTag.PLANARCONFIG, PlanarConfig.CONTIG) |> ignore
    tif.SetField(TiffTag.ROWSPERSTRIP, 1) |> ignore
    let row = Array.zeroCreate<byte>(4 * im.Width)

    for y in 0 .. im.Height - 1 do
        for x in 0 .. im.Width - 1 do
            BitConverter.TryWriteBytes(Span(row, 4 * x, 4), float32 im.Pixels.[y * im.Width + x])
            |> ignore

        tif.WriteScanline(row, y) |> ignore

    tif.WriteDirectory() |> ignore

// ---- PNG, JPEG, BMP through StbImageSharp (8 bits a channel, read as grey); PNG written as 16-bit grey

let private readStb (path: string) (bytes: byte array) =
    use probe = new MemoryStream(bytes)

    match StbImageSharp.ImageInfo.FromStream probe |> Option.ofNullable with
    | None -> bad "not an image StbImageSharp can decode (PNG, JPEG, BMP)"
    | Some info -> checkSize (int64 info.Width) (int64 info.Height)

    let result =
        StbImageSharp.ImageResult.FromMemory(bytes, StbImageSharp.ColorComponents.Grey)

    image path result.Width result.Height (result.Data |> Array.map float) None

/// PNG decoded here when it is non-interlaced grey, grey+alpha, RGB or RGBA of 8 or 16 bits (16-bit microscope
/// exports keep their precision; StbImageSharp reads 8 bits); None for the others (palette, interlaced, 1–4 bits).
let private readPngExact (path: string) (bytes: byte array) =
    let signature = [| 137uy; 80uy; 78uy; 71uy; 13uy; 10uy; 26uy; 10uy |]

    if bytes.Length < 33 || bytes.[0..7] <> signature then
        None
    else
        let be (o: int) =
            Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(ReadOnlySpan(bytes, o, 4))

        let w, h = be 16, be 20
        let depth, colour, interlace = int bytes.[24], int bytes.[25], int bytes.[28]

        let channels =
            match colour with
            | 0 -> 1
            | 4 -> 2
            | 2 -> 3
            | 6 -> 4
            | _ -> 0

        if channels = 0 || (depth <> 8 && depth <> 16) || interlace <> 0 then
            None
        else
            checkSize (int64 w) (int64 h)
            use idat = new MemoryStream()
            let mutable o = 8

            while o + 8 <= bytes.Length do
                let length = be o

                if length < 0 || int64 o + 12L + int64 length > int64 bytes.Length then
                    bad (sprintf "a chunk at byte %d runs past the end" o)

                if Text.Encoding.ASCII.GetString(bytes, o + 4, 4) = "IDAT" then
                    idat.Write(bytes, o + 8, length)

                o <- o + 12 + length

            let bytesPerPixel = channels * depth / 8
            let stride = int64 w * int64 bytesPerPixel
            let needed = (stride + 1L) * int64 h
            idat.Position <- 0L

            // inflated into a growing buffer, so that a header claiming a huge image costs only what the data holds
            let raw =
                use z = new Compression.ZLibStream(idat, Compression.CompressionMode.Decompress)
                use inflated = new MemoryStream()
                let buffer = Array.zeroCreate<byte> 65536
                let mutable last = -1

                while inflated.Length < needed && last <> 0 do
                    last <- z.Read(buffer, 0, int (min 65536L (needed - inflated.Length)))
                    inflated.Write(buffer, 0, last)

                if inflated.Length < needed then
                    bad "fewer pixel bytes than its size needs"

                inflated.ToArray()

            let s = int stride
            let rows = Array.zeroCreate<byte>(s * h)

            for y in 0 .. h - 1 do
                let filter = raw.[y * (s + 1)]
                let src = y * (s + 1) + 1

                for x in 0 .. s - 1 do
                    let a =
                        if x >= bytesPerPixel then
                            int rows.[y * s + x - bytesPerPixel]
                        else
                            0

                    let b = if y > 0 then int rows.[(y - 1) * s + x] else 0

                    let c =
                        if y > 0 && x >= bytesPerPixel then
                            int rows.[(y - 1) * s + x - bytesPerPixel]
                        else
                            0

                    let predictor =
                        match filter with
                        | 0uy -> 0
                        | 1uy -> a
                        | 2uy -> b
                        | 3uy -> (a + b) / 2
                        | 4uy ->
                            let p = a + b - c
                            let pa, pb, pc = abs (p - a), abs (p - b), abs (p - c)

                            if pa <= pb && pa <= pc then a
                            elif pb <= pc then b
                            else c
                        | f -> bad (sprintf "row %d has filter %d (0–4)" (y + 1) f)

                    rows.[y * s + x] <- byte ((int raw.[src + x] + predictor) &&& 0xFF)

            let sample (i: int) =
                if depth = 16 then
                    float ((int rows.[2 * i] <<< 8) ||| int rows.[2 * i + 1])
                else
                    float rows.[i]

            // grey: the mean of the colour channels (alpha left out)
            let colours = if channels >= 3 then 3 else 1

            let pixels =
                Array.init (w * h) (fun p ->
                    let mutable v = 0.0

                    for k in 0 .. colours - 1 do
                        v <- v + sample (p * channels + k)

                    v / float colours)

            Some(image path w h pixels None)

let private crcTable =
    lazy
        (Array.init 256 (fun n ->
            let mutable c = uint32 n

            for _ in 0..7 do
                c <-
                    if c &&& 1u <> 0u then
                        0xEDB88320u ^^^ (c >>> 1)
                    else
                        c >>> 1

            c))

let private crc (data: byte array) =
    let t = crcTable.Force()
    let mutable c = 0xFFFFFFFFu

    for b in data do
        c <- t.[int ((c ^^^ uint32 b) &&& 0xFFu)] ^^^ (c >>> 8)

    c ^^^ 0xFFFFFFFFu

let private writePng (path: string) (im: Image) =
    let lo, _, hi = Image.stats im
    let span = if hi > lo then hi - lo else 1.0
    use raw = new MemoryStream()

    for y in 0 .. im.Height - 1 do
        raw.WriteByte 0uy // filter: none

        for x in 0 .. im.Width - 1 do
            let v = uint16 (Math.Round((im.Pixels.[y * im.Width + x] - lo) / span * 65535.0))
            raw.WriteByte(byte (v >>> 8))
            raw.WriteByte(byte (v &&& 0xFFus))

    use packed = new MemoryStream()

    do
        use z =
            new Compression.ZLibStream(packed, Compression.CompressionLevel.Optimal, true)

        z.Write(raw.ToArray(), 0, int raw.Length)

    use out = File.Create path

    let chunk (kind: string) (data: byte array) =
        let length = Array.zeroCreate<byte> 4
        Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(Span length, data.Length)
        out.Write(length, 0, 4)
        let body = Array.append (Text.Encoding.ASCII.GetBytes kind) data
        out.Write(body, 0, body.Length)
        let c = Array.zeroCreate<byte> 4
        Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(Span c, crc body)
        out.Write(c, 0, 4)

    out.Write([| 137uy; 80uy; 78uy; 71uy; 13uy; 10uy; 26uy; 10uy |], 0, 8)
    let header = Array.zeroCreate<byte> 13
    Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(Span(header, 0, 4), im.Width)
    Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(Span(header, 4, 4), im.Height)
    header.[8] <- 16uy // bit depth
    header.[9] <- 0uy // grey
    chunk "IHDR" header
    chunk "IDAT" (packed.ToArray())
    chunk "IEND" [||]

// ---- EMD (HDF5) through PureHDF: Berkeley EMD (data/<name>/data with dim1/dim2 calibrations) and Velox
// (Data/Image/<id>/Data, rows × columns × frames)

let private datasetValues (d: PureHDF.IH5Dataset) : float array =
    let t = d.Type

    match t.Class, t.Size with
    | PureHDF.H5DataTypeClass.FloatingPoint, 4 -> d.Read<float32 array>() |> Array.map float
    | PureHDF.H5DataTypeClass.FloatingPoint, 8 -> d.Read<float array>()
    | PureHDF.H5DataTypeClass.FixedPoint, size ->
        let signed = t.FixedPoint.IsSigned

        match size, signed with
        | 1, false -> d.Read<byte array>() |> Array.map float
        | 1, true -> d.Read<sbyte array>() |> Array.map float
        | 2, false -> d.Read<uint16 array>() |> Array.map float
        | 2, true -> d.Read<int16 array>() |> Array.map float
        | 4, false -> d.Read<uint32 array>() |> Array.map float
        | 4, true -> d.Read<int array>() |> Array.map float
        | 8, false -> d.Read<uint64 array>() |> Array.map float
        | _ -> d.Read<int64 array>() |> Array.map float
    | c, s -> bad (sprintf "a dataset of HDF5 type %O (%d bytes); numbers are read" c s)

let private readEmd (path: string) =
    use file = PureHDF.H5File.OpenRead path

    let groups (g: PureHDF.IH5Group) =
        g.Children()
        |> Seq.choose (fun c ->
            match c with
            | :? PureHDF.IH5Group as g -> Some g
            | _ -> None)
        |> List.ofSeq

    let tryGroup (g: PureHDF.IH5Group) (name: string) =
        if g.LinkExists name then
            match g.Get name with
            | :? PureHDF.IH5Group as g -> Some g
            | _ -> None
        else
            None

    let tryDataset (g: PureHDF.IH5Group) (name: string) =
        if g.LinkExists name then
            match g.Get name with
            | :? PureHDF.IH5Dataset as d -> Some d
            | _ -> None
        else
            None

    let berkeley =
        match tryGroup file "data" with
        | Some data ->
            groups data
            |> List.choose (fun g -> tryDataset g "data" |> Option.map (fun d -> g, d, false))
        | None -> []

    let velox =
        match tryGroup file "Data" |> Option.bind (fun d -> tryGroup d "Image") with
        | Some images ->
            groups images
            |> List.choose (fun g -> tryDataset g "Data" |> Option.map (fun d -> g, d, true))
        | None -> []

    match berkeley @ velox with
    | [] -> bad "no image dataset (Berkeley EMD: data/<name>/data; Velox: Data/Image/<id>/Data)"
    | (group, d, isVelox) :: _ ->
        let dims = d.Space.Dimensions |> Array.map int64

        let h, w, frames =
            match dims, isVelox with
            | [| h; w |], _ -> h, w, 1L
            | [| h; w; n |], true -> h, w, n
            | [| n; h; w |], false -> h, w, n
            | ds, _ -> bad (sprintf "a dataset of shape (%s): an image is rows × columns" (ds |> Array.map string |> String.concat ", "))

        checkSize w h
        let all = datasetValues d

        if int64 all.Length < w * h * frames then
            bad "fewer values than its shape says"

        let pixels =
            if isVelox && frames > 1L then
                Array.init (int (w * h)) (fun p -> all.[p * int frames])
            else
                Array.sub all 0 (int (w * h))

        // Berkeley EMD: dim2 (columns) holds the pixel positions, its "units" attribute the unit
        let scale =
            if isVelox then
                None
            else
                match tryDataset group "dim2" with
                | Some dim when dim.Space.Dimensions.Length = 1 && dim.Space.Dimensions.[0] >= 2UL ->
                    let v = datasetValues dim

                    let units =
                        if dim.AttributeExists "units" then
                            try
                                Some(dim.Attribute("units").Read<string>())
                            with _ ->
                                None
                        else
                            None

                    match units |> Option.bind Gatan.angstromsPer with
                    | Some a when v.[1] > v.[0] -> Some((v.[1] - v.[0]) * a)
                    | _ -> None
                | _ -> None

        image path (int w) (int h) pixels scale

let private writeEmd (path: string) (im: Image) =
    let data =
        Array2D.init im.Height im.Width (fun y x -> float32 im.Pixels.[y * im.Width + x])

    let file = PureHDF.H5File()
    let entry = PureHDF.H5Group()
    entry.["data"] <- PureHDF.H5Dataset(data)

    let axis (n: int) =
        let step = defaultArg im.PixelSize 1.0
        let d = PureHDF.H5Dataset(Array.init n (fun i -> float i * step))
        d.Attributes <- Collections.Generic.Dictionary(dict [ "units", box (if im.PixelSize.IsSome then "Å" else "px") ])
        d

    entry.["dim1"] <- axis im.Height
    entry.["dim2"] <- axis im.Width
    entry.Attributes <- Collections.Generic.Dictionary(dict [ "emd_group_type", box 1 ])
    let group = PureHDF.H5Group()
    group.["image"] <- entry
    file.["data"] <- group
    file.Attributes <- Collections.Generic.Dictionary(dict [ "version_major", box 0; "version_minor", box 2 ])
    file.Write path

// ---- dispatch

let read (path: string) : Result<Image, ReadError> =
    let error message =
        Error
            { File = path
              Line = None
              Message = message
              Needs = None }

    try
        if Directory.Exists path then
            error "a folder, not an image"
        elif not (File.Exists path) then
            error "no such file"
        else
            let length = FileInfo(path).Length

            if length > maxFileBytes then
                error (sprintf "%d bytes (images of at most %d bytes are read)" length maxFileBytes)
            elif length = 0L then
                error "an empty file"
            else
                match extension path with
                | ".npy" -> Ok(readNpy path (File.ReadAllBytes path))
                | ".tif"
                | ".tiff" -> Ok(readTiff path (File.ReadAllBytes path))
                | ".png" ->
                    let bytes = File.ReadAllBytes path

                    match readPngExact path bytes with
                    | Some image -> Ok image
                    | None -> Ok(readStb path bytes)
                | ".jpg"
                | ".jpeg"
                | ".bmp" -> Ok(readStb path (File.ReadAllBytes path))
                | ".dm3"
                | ".dm4" ->
                    let root, reader = Gatan.parse (File.ReadAllBytes path)
                    let w, h, pixels, scale = Gatan.largestImage root reader Image.maxPixels
                    Ok(image path w h pixels scale)
                | ".emd" -> Ok(readEmd path)
                | e -> error (sprintf "'%s' is not an image extension (%s)" e (String.concat ", " extensions))
    with
    | Bad message
    | Gatan.Malformed message -> error message
    | :? OutOfMemoryException -> error "too large to hold in memory"
    | e -> error (sprintf "cannot be read as %s (%s)" (extension path) (e.Message.Split('\n').[0]))

let write (path: string) (image: Image) : unit =
    let writer =
        match extension path with
        | ".npy" ->
            fun (tmp: string) ->
                let a: Npy.NpyArray =
                    { Descr = "<f8"
                      Shape = [ image.Height; image.Width ]
                      Data = image.Pixels |> Array.collect (fun (v: float) -> BitConverter.GetBytes v) }

                File.WriteAllBytes(tmp, Npy.toBytes a)
        | ".tif"
        | ".tiff" -> fun tmp -> writeTiff tmp image
        | ".png" -> fun tmp -> writePng tmp image
        | ".emd" -> fun tmp -> writeEmd tmp image
        | e -> invalidArg "path" (sprintf "%s: images are written as .npy, .tif, .png or .emd, not '%s'" path e)

    AtomicFile.write path writer
