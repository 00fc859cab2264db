/// Images in (issue 27): the readers of every image format (round trips through our writers, Gatan files written
/// here by the documented tag format), column finding measured on synthetic HAADF images against the true
/// positions, the command line and the library face from image to class, and the readers fuzzed.
module Arise.Tests.ImageTests

open System
open System.IO
open System.Buffers.Binary
open Expecto
open Arise
open Arise.Structure
open Arise.Imaging
open Arise.Tests.Common

let private folder () = freshFolder "arise-images-"

/// Recall and precision of found columns against true positions (px), matched within `tolerance` px, both counted
/// at least `edge` px inside the image.
let score (truth: (float * float) array) (found: Columns.Column array) (tolerance: float) (image: Image) (edge: float) =
    let inside (x, y) =
        x >= edge
        && y >= edge
        && x <= float image.Width - 1.0 - edge
        && y <= float image.Height - 1.0 - edge

    let t = truth |> Array.filter inside
    let f = found |> Array.filter (fun c -> inside (c.X, c.Y))

    let near (x, y) (c: Columns.Column) =
        (c.X - x) ** 2.0 + (c.Y - y) ** 2.0 <= tolerance * tolerance

    let recalled =
        t |> Array.filter (fun p -> f |> Array.exists (near p)) |> Array.length

    let correct =
        f
        |> Array.filter (fun c -> t |> Array.exists (fun p -> near p c))
        |> Array.length

    float recalled / float t.Length, float correct / float f.Length

// ---- Gatan DigitalMicrograph files, written by the documented tag format (header and type descriptions big-endian,
// values little-endian; DM4 widens counts to 8 bytes and gives each tag its size)

type private DmTag =
    | Group of (string * DmTag) list
    | Int32Tag of int
    | Float32Tag of float32
    | Float32Array of float32 array
    | UInt16Array of uint16 array

let private dmBytes (version: int) (images: (int * int * float32 array * (float32 * string) option) list) =
    let count (w: BinaryWriter) (n: int64) =
        let b = Array.zeroCreate<byte> 8

        if version = 4 then
            BinaryPrimitives.WriteInt64BigEndian(Span b, n)
            w.Write b
        else
            BinaryPrimitives.WriteInt32BigEndian(Span(b, 0, 4), int n)
            w.Write(b, 0, 4)

    let rec group (w: BinaryWriter) (tags: (string * DmTag) list) =
        w.Write 0uy
        w.Write 1uy
        count w (int64 tags.Length)

        for name, tag in tags do
            use body = new MemoryStream()
            use bw = new BinaryWriter(body)

            match tag with
            | Group inner -> group bw inner
            | data ->
                bw.Write(Text.Encoding.ASCII.GetBytes "%%%%")

                let info, values: int64 list * (BinaryWriter -> unit) =
                    match data with
                    | Int32Tag v -> [ 3L ], (fun w -> w.Write v)
                    | Float32Tag v -> [ 6L ], (fun w -> w.Write v)
                    | Float32Array a -> [ 20L; 6L; int64 a.Length ], (fun w -> a |> Array.iter (fun (v: float32) -> w.Write v))
                    | UInt16Array a -> [ 20L; 4L; int64 a.Length ], (fun w -> a |> Array.iter (fun (v: uint16) -> w.Write v))
                    | Group _ -> [], ignore

                count bw (int64 info.Length)
                info |> List.iter (count bw)
                values bw

            bw.Flush()

            w.Write(
                if
                    (match tag with
                     | Group _ -> true
                     | _ -> false)
                then
                    20uy
                else
                    21uy
            )

            let nameBytes = Text.Encoding.Latin1.GetBytes name
            let length = Array.zeroCreate<byte> 2
            BinaryPrimitives.WriteUInt16BigEndian(Span length, uint16 nameBytes.Length)
            w.Write length
            w.Write nameBytes

            if version = 4 then
                count w body.Length

            w.Write(body.ToArray())

    let imageTag (width: int, height: int, data: float32 array, calibration: (float32 * string) option) =
        let dimension =
            match calibration with
            | Some(scale, unit) ->
                [ "Origin", Float32Tag 0.0f
                  "Scale", Float32Tag scale
                  "Units", UInt16Array(unit.ToCharArray() |> Array.map uint16) ]
            | None -> [ "Origin", Float32Tag 0.0f; "Scale", Float32Tag 1.0f ]

        "",
        Group
            [ "ImageData",
              Group
                  [ "Calibrations", Group [ "Dimension", Group [ "", Group dimension; "", Group dimension ] ]
                    "Data", Float32Array data
                    "DataType", Int32Tag 2
                    "Dimensions", Group [ "", Int32Tag width; "", Int32Tag height ] ]
              "Name", UInt16Array("image".ToCharArray() |> Array.map uint16) ]

    use file = new MemoryStream()
    use w = new BinaryWriter(file)
    let header = Array.zeroCreate<byte>(if version = 4 then 16 else 12)
    BinaryPrimitives.WriteInt32BigEndian(Span(header, 0, 4), version)
    BinaryPrimitives.WriteInt32BigEndian(Span(header, header.Length - 4, 4), 1)
    w.Write header

    group
        w
        [ "ImageList", Group(images |> List.map imageTag)
          "DocumentObjectList", Group [] ]

    w.Write(Array.zeroCreate<byte> 8)
    w.Flush()
    file.ToArray()

/// A small test image: a slope plus a bump, so that orientation and values are checked.
let private testImage (w: int) (h: int) =
    Image.create w h (Array.init (w * h) (fun i -> float (i % w) + 10.0 * float (i / w) + (if i = w + 2 then 100.0 else 0.0)))

let private synthetic =
    lazy
        [ "graphene, 1 Si", Synthetic.dopedGraphene 1 8 5 1
          "graphene, 2 Si", Synthetic.dopedGraphene 2 8 5 2
          "graphene, 4 Si", Synthetic.dopedGraphene 3 10 7 4
          "graphene grain boundaries (3 grains)", Synthetic.grapheneBoundaries 2 3 40.0
          "binary honeycomb (Z 42 and 16, MoS2-like)", Synthetic.binaryHoneycomb 42 16 1.84 6 4 ]

[<Tests>]
let tests =
    testList
        "images"
        [ test "npy, tif, png and emd written and read back: same pixels (png within its 16 bits), orientation, pixel size" {
              let dir = folder ()

              let image =
                  { testImage 7 5 with
                      PixelSize = Some 0.25 }

              for ext in [ "npy"; "tif"; "png"; "emd" ] do
                  let path = Path.Combine(dir, "test." + ext)
                  ImageIO.write path image
                  let back = ImageIO.read path |> ok ext
                  Expect.equal (back.Width, back.Height) (7, 5) (sprintf "%s: size" ext)
                  let lo, _, hi = Image.stats image
                  // png stores 16 bits scaled from the minimum to the maximum
                  let tolerance = if ext = "png" then 2e-5 else 1e-9

                  let rescaled =
                      if ext = "png" then
                          let blo, _, bhi = Image.stats back
                          back.Pixels |> Array.map (fun v -> lo + (v - blo) / (bhi - blo) * (hi - lo))
                      else
                          back.Pixels

                  for i in 0 .. image.Pixels.Length - 1 do
                      Expect.floatClose
                          { absolute = tolerance * (hi - lo)
                            relative = 0.0 }
                          rescaled.[i]
                          image.Pixels.[i]
                          (sprintf "%s: pixel %d" ext i)

                  if ext = "emd" then
                      Expect.equal back.PixelSize (Some 0.25) "emd: the pixel size from dim2"
          }

          test "dm3 and dm4 written by Gatan's tag format: the largest image (not the thumbnail), its pixels and its nm calibration" {
              let dir = folder ()
              let main = testImage 9 6
              let thumbnail = Array.create 16 1.0f

              for version in [ 3; 4 ] do
                  let path = Path.Combine(dir, sprintf "test.dm%d" version)

                  File.WriteAllBytes(
                      path,
                      dmBytes
                          version
                          [ 4, 4, thumbnail, None
                            9, 6, main.Pixels |> Array.map float32, Some(0.0125f, "nm") ]
                  )

                  let back = ImageIO.read path |> ok (sprintf "dm%d" version)
                  Expect.equal (back.Width, back.Height) (9, 6) "the main image, not the thumbnail"
                  Expect.equal back.Pixels main.Pixels "pixels in order"
                  Expect.floatClose Accuracy.medium back.PixelSize.Value 0.125 "0.0125 nm = 0.125 Å a pixel"
          }

          test "a Velox .emd (Data/Image/<id>/Data, rows × columns × frames) gives its first frame" {
              let dir = folder ()
              let path = Path.Combine(dir, "velox.emd")
              let w, h, frames = 6, 4, 3
              // frame k of pixel (x, y): 100 k + 10 y + x
              let data = Array3D.init h w frames (fun y x k -> float32 (100 * k + 10 * y + x))
              let file = PureHDF.H5File()
              let image = PureHDF.H5Group()
              image.["Data"] <- PureHDF.H5Dataset(data)
              let images = PureHDF.H5Group()
              images.["a1b2c3"] <- image
              let group = PureHDF.H5Group()
              group.["Image"] <- images
              file.["Data"] <- group
              file.Write path
              let back = ImageIO.read path |> ok "velox"
              Expect.equal (back.Width, back.Height) (w, h) "columns × rows"
              Expect.equal back.Pixels (Array.init (w * h) (fun i -> float (10 * (i / w) + i % w))) "the first frame, row by row"
          }

          test "bad image files are errors naming the file and the reason" {
              let dir = folder ()

              let write name (bytes: byte array) =
                  let p = Path.Combine(dir, name)
                  File.WriteAllBytes(p, bytes)
                  p

              let cases =
                  [ write "empty.tif" [||], "empty"
                    write "text.png" (Text.Encoding.ASCII.GetBytes "not an image"), "decode"
                    write "v5.dm3" (Array.append [| 0uy; 0uy; 0uy; 5uy |] (Array.zeroCreate 20)), "version 5"
                    write
                        "cube.npy"
                        (Arise.Numerics.Npy.toBytes
                            { Descr = "<f8"
                              Shape = [ 2; 2; 2; 2 ]
                              Data = Array.zeroCreate 128 }),
                    "shape"
                    write "image.emd" (Array.append [| 137uy; 72uy; 68uy; 70uy; 13uy; 10uy; 26uy; 10uy |] (Array.create 40 7uy)),
                    "cannot be read"
                    Path.Combine(dir, "missing.tif"), "no such file" ]

              for path, reason in cases do
                  let e = ImageIO.read path |> err path
                  Expect.equal e.File path "the file is named"
                  Expect.stringContains e.Message reason (sprintf "%s: the reason" (Path.GetFileName path))
          }

          test "columns of synthetic HAADF images found with precision and recall ≥ 99 % within 0.2 d_NN, at three noise levels" {
              // noise levels: (counts at a carbon column, Gaussian read noise relative to a carbon column); all with
              // 0.3 px rms row jitter and 1 px drift, 0.1 Å/px, probe σ 0.3 Å
              for name, s in synthetic.Force() do
                  for dose, read in [ 100.0, 0.05; 30.0, 0.1; 10.0, 0.2 ] do
                      let image, truth =
                          Synthetic.render
                              { Synthetic.defaults with
                                  Dose = dose
                                  ReadNoise = read }
                              s

                      let found = Columns.find Columns.defaults ignore image |> ok name
                      // d_NN in px: 1.42 Å for graphene, 1.84 Å for the binary honeycomb, at 0.1 Å/px
                      let dnn = if name.StartsWith "binary" then 18.4 else 14.2
                      let recall, precision = score truth found.Columns (0.2 * dnn) image 3.0
                      let what = sprintf "%s, dose %g, read noise %g" name dose read
                      Expect.isGreaterThanOrEqual recall 0.99 (sprintf "%s: recall %.4f" what recall)
                      Expect.isGreaterThanOrEqual precision 0.99 (sprintf "%s: precision %.4f" what precision)
          }

          test "intensity classes pick out the Si dopants of graphene and the two species of a binary honeycomb" {
              for k in [ 1; 2; 4 ] do
                  let s = Synthetic.dopedGraphene k 10 7 k
                  let image, truth = Synthetic.render Synthetic.defaults s

                  let found =
                      Columns.find { Columns.defaults with Classes = 2 } ignore image |> ok "doped"

                  let bright = found.Columns |> Array.filter (fun c -> c.Class = 1)
                  Expect.equal bright.Length k (sprintf "%d Si: as many bright columns" k)

                  for c in bright do
                      let nearest =
                          Array.init truth.Length id
                          |> Array.minBy (fun i -> (fst truth.[i] - c.X) ** 2.0 + (snd truth.[i] - c.Y) ** 2.0)

                      Expect.equal s.Numbers.[nearest] 14 "a bright column sits on a Si atom"

              let s = Synthetic.binaryHoneycomb 42 16 1.84 6 4
              let image, _ = Synthetic.render Synthetic.defaults s

              let atoms =
                  Columns.find { Columns.defaults with Classes = 2 } ignore image
                  |> ok "binary"
                  |> Columns.toStructure [ "S"; "Mo" ] None

              Expect.equal (Structure.formula atoms) "Mo48S48" "as many Mo as S columns: 48 each, as built"
          }

          test "settings out of range and images without columns are errors, not exceptions" {
              let image, _ = Synthetic.render Synthetic.defaults (Synthetic.dopedGraphene 1 4 3 0)

              for bad in
                  [ { Columns.defaults with
                        Spacing = Some -1.0 }
                    { Columns.defaults with
                        ColumnSize = Some nan }
                    { Columns.defaults with Classes = 0 }
                    { Columns.defaults with
                        RelativeThreshold = 1.5 } ] do
                  Columns.find bad ignore image |> err "bad settings" |> ignore

              let flat = Image.create 64 64 (Array.create 4096 3.0)
              let e = Columns.find Columns.defaults ignore flat |> err "a flat image"
              Expect.stringContains e "flat" "says why"
              let tiny = Image.create 8 8 (Array.create 64 0.0)
              Columns.find Columns.defaults ignore tiny |> err "too small" |> ignore
          }

          test "the face: Images.ReadAtoms then Classify gives graphene from a synthetic image; Charts.Image draws it" {
              let dir = folder ()
              let path = Path.Combine(dir, "graphene.tif")
              let image = Images.Render(Images.DopedGraphene(10, 7, dopants = 2), dose = 30.0)
              Images.Save(image, path)
              let atoms = Images.ReadAtoms(path, pixelSize = 0.1)
              let r = Recognizer.Default.Classify(atoms, samples = 20)
              Expect.equal r.Best.Class "C" "graphene from the image"
              Expect.floatClose { absolute = 0.05; relative = 0.0 } (Structures.NearestNeighbourDistance atoms) 1.42 "d_NN in Å"
              let doped = Images.Atoms(image, species = "C,Si")
              Expect.equal (doped.Numbers |> Array.filter ((=) 14) |> Array.length) 2 "two Si from the intensities"
              let html = Plotly.NET.GenericChart.toEmbeddedHTML (Charts.Image(image, atoms))
              Expect.stringContains html "C (" "the atoms marked by species"
              Expect.throwsT<AriseException> (fun () -> Images.Read(Path.Combine(dir, "none.png")) |> ignore) "a missing file"
              Expect.throwsT<AriseException> (fun () -> Images.Atoms(image, spacing = -2.0) |> ignore) "a bad spacing"
          }

          test "arise atoms writes the columns as extended XYZ; arise classify image.tif prints graphene" {
              let dir = folder ()

              let image, _ =
                  Synthetic.render Synthetic.defaults (Synthetic.dopedGraphene 4 10 7 2)

              let tif = Path.Combine(dir, "graphene.tif")
              ImageIO.write tif image
              let dll = Path.Combine(AppContext.BaseDirectory, "Arise.Cli.dll")

              let code, out, errors =
                  runProcess dir "dotnet" [ dll; "atoms"; tif; "--species"; "C,Si"; "--out"; "atoms.xyz" ] 300

              Expect.equal code 0 (sprintf "atoms: exit 0 (%s)" errors)
              Expect.stringContains out "2 Si" "the dopants counted"
              let s = StructureIO.read (Path.Combine(dir, "atoms.xyz")) |> ok "atoms.xyz"
              Expect.equal (s.Numbers |> Array.filter ((=) 14) |> Array.length) 2 "two Si in the file"
              Expect.isTrue (s.AtomProperties |> List.exists (fun (n, _) -> n = "intensity")) "per-atom intensity"

              let code, out, errors =
                  runProcess dir "dotnet" [ dll; "classify"; tif; "--json" ] 300

              Expect.equal code 0 (sprintf "classify: exit 0 (%s)" errors)
              Expect.stringContains out "\"class\":\"C\"" "graphene"

              let code, _, errors =
                  runProcess dir "dotnet" [ dll; "classify"; Path.Combine(dir, "none.tif"); "--column-spacing"; "-3" ] 300

              Expect.equal code 2 "a bad option: exit 2"
              Expect.stringContains errors "--column-spacing" "names the option"
          }

          test "arise spm maps an image of graphene grains directly (--pixel-size), and --shells writes the shell profile" {
              let dir = folder ()
              let grains = Synthetic.grapheneBoundaries 3 3 40.0
              let image, _ = Synthetic.render Synthetic.defaults grains
              StructureIO.writeXyz (Path.Combine(dir, "grains.xyz")) [ Structure.toCluster grains ]
              let tif = Path.Combine(dir, "grains.tif")
              ImageIO.write tif image
              let dll = Path.Combine(AppContext.BaseDirectory, "Arise.Cli.dll")

              let code, out, errors =
                  runProcess
                      dir
                      "dotnet"
                      [ dll
                        "spm"
                        tif
                        "--out"
                        "map"
                        "--pixel-size"
                        "0.1"
                        "--stride"
                        "6"
                        "--samples"
                        "5"
                        "--shells"
                        "8" ]
                      300

              Expect.equal code 0 (sprintf "spm: exit 0 (%s)" errors)
              let boxes = File.ReadAllLines(Path.Combine(dir, "map", "boxes.csv"))
              Expect.isGreaterThan boxes.Length 10 "boxes mapped"
              Expect.isTrue (boxes |> Array.exists (fun l -> l.Contains "graphene" || l.Contains ",C,")) "graphene boxes"
              let shells = File.ReadAllLines(Path.Combine(dir, "map", "shells.csv"))
              Expect.equal shells.[0] "inner_A,outer_A,boxes,mi_mean,mi_std,mi_median,top_probability,main_class,main_share" "header"
              Expect.isGreaterThan shells.Length 2 "shells"
              Expect.stringContains out "Mutual information by shell" "the table printed"
              // the same map from the true coordinates: the image's boxes take the same classes
              let code, _, errors =
                  runProcess
                      dir
                      "dotnet"
                      [ dll
                        "spm"
                        "grains.xyz"
                        "--out"
                        "truth"
                        "--stride"
                        "6"
                        "--samples"
                        "5" ]
                      300

              Expect.equal code 0 (sprintf "spm of the coordinates: exit 0 (%s)" errors)

              let classes (file: string) =
                  File.ReadAllLines file |> Array.skip 1 |> Array.map (fun l -> l.Split(',').[4])

              let fromImage = classes (Path.Combine(dir, "map", "boxes.csv"))
              let fromTruth = classes (Path.Combine(dir, "truth", "boxes.csv"))
              Expect.equal fromImage.Length fromTruth.Length "the same grid"

              let same =
                  Array.map2 (fun a b -> if a = b then 1 else 0) fromImage fromTruth |> Array.sum

              Expect.isGreaterThanOrEqual (float same / float fromTruth.Length) 0.9 (sprintf "%d of %d boxes agree" same fromTruth.Length)
          }

          test "every image reader returns errors on damaged files: random bytes, truncation, flipped bytes; no exception, no hang" {
              let dir = folder ()
              let image, _ = Synthetic.render Synthetic.defaults (Synthetic.dopedGraphene 1 3 2 0)

              let seeds =
                  [ for ext in [ "npy"; "tif"; "png"; "emd" ] do
                        let p = Path.Combine(dir, "seed." + ext)
                        ImageIO.write p image
                        yield ext, File.ReadAllBytes p
                    let frame =
                        image.Width, image.Height, image.Pixels |> Array.map float32, Some(0.01f, "nm")

                    for v in [ 3; 4 ] do
                        yield sprintf "dm%d" v, dmBytes v [ frame ] ]

              let inputs =
                  match Int32.TryParse(Environment.GetEnvironmentVariable "ARISE_FUZZ_INPUTS") with
                  | true, n when n > 0 -> n
                  | _ -> 150

              let rng = Random(27)
              let mutable slowest = 0.0

              for ext, seed in seeds do
                  for k in 0 .. inputs - 1 do
                      let bytes =
                          match k % 5 with
                          | 0 -> Array.init (rng.Next(0, 4096)) (fun _ -> byte (rng.Next 256))
                          | 1 -> Array.sub seed 0 (rng.Next seed.Length)
                          | 2 ->
                              let b = Array.copy seed

                              for _ in 1 .. rng.Next(1, 20) do
                                  b.[rng.Next b.Length] <- byte (rng.Next 256)

                              b
                          | 3 ->
                              // the header: where sizes, counts and offsets live
                              let b = Array.copy seed

                              for _ in 1 .. rng.Next(1, 6) do
                                  b.[rng.Next(min 64 b.Length)] <- byte (rng.Next 256)

                              b
                          | _ ->
                              let cut = rng.Next seed.Length
                              Array.append (Array.sub seed 0 cut) (Array.init (rng.Next 512) (fun _ -> byte (rng.Next 256)))

                      let path = Path.Combine(dir, sprintf "fuzz.%s" ext)
                      File.WriteAllBytes(path, bytes)
                      let clock = Diagnostics.Stopwatch.StartNew()

                      try
                          ImageIO.read path |> ignore
                      with e ->
                          failtestf "%s input %d: %s out of the reader: %s" ext k (e.GetType().Name) e.Message

                      slowest <- max slowest clock.Elapsed.TotalSeconds

              Expect.isLessThan slowest 10.0 (sprintf "the slowest input took %.2f s" slowest)
          } ]
