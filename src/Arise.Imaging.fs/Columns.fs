module Arise.Imaging.Columns

open System
open System.Numerics
open MathNet.Numerics.IntegralTransforms
open Arise.Structure

type Settings =
    { Spacing: float option
      ColumnSize: float option
      NoiseThreshold: float
      RelativeThreshold: float
      Classes: int }

type Column =
    { X: float
      Y: float
      Intensity: float
      Class: int }

type Found =
    { Columns: Column array
      Spacing: float
      ColumnSize: float
      Noise: float
      PixelSize: float option }

let defaults =
    { Spacing = None
      ColumnSize = None
      NoiseThreshold = 5.0
      RelativeThreshold = 0.1
      Classes = 1 }

let private median (values: float array) =
    if values.Length = 0 then
        nan
    else
        let s = Array.sort values
        let n = s.Length

        if n % 2 = 1 then
            s.[n / 2]
        else
            0.5 * (s.[n / 2 - 1] + s.[n / 2])

/// A 2D Fourier transform, rows then columns (the managed provider transforms one dimension at a time).
let private fourier2D (forward: bool) (data: Complex array) (h: int) (w: int) =
    let transform (a: Complex array) =
        if forward then
            Fourier.Forward(a, FourierOptions.Default)
        else
            Fourier.Inverse(a, FourierOptions.Default)

    Threading.Tasks.Parallel.For(
        0,
        h,
        fun y ->
            let row = Array.sub data (y * w) w
            transform row
            Array.blit row 0 data (y * w) w
    )
    |> ignore

    Threading.Tasks.Parallel.For(
        0,
        w,
        fun x ->
            let column = Array.init h (fun y -> data.[y * w + x])
            transform column

            for y in 0 .. h - 1 do
                data.[y * w + x] <- column.[y]
    )
    |> ignore

/// Autocorrelation of a central crop (mean removed, Hann window), as a profile: the largest value at each integer
/// radius (px), normalised by the value at radius 1.
let private profile (image: Image) =
    let w = min image.Width 1024
    let h = min image.Height 1024
    let x0 = (image.Width - w) / 2
    let y0 = (image.Height - h) / 2

    let values =
        Array.init (w * h) (fun i -> image.Pixels.[(y0 + i / w) * image.Width + x0 + i % w])

    let mean = Array.average values

    let hann n i =
        if n < 2 then
            1.0
        else
            0.5 - 0.5 * cos (2.0 * Math.PI * float i / float (n - 1))

    let data =
        Array.init (w * h) (fun i -> Complex((values.[i] - mean) * hann w (i % w) * hann h (i / w), 0.0))

    fourier2D true data h w

    for i in 0 .. data.Length - 1 do
        data.[i] <- Complex(data.[i].Magnitude ** 2.0, 0.0)

    fourier2D false data h w
    let rMax = min w h / 2 - 1
    let best = Array.create (max 2 (rMax + 1)) Double.NegativeInfinity

    for dy in -rMax .. rMax do
        for dx in -rMax .. rMax do
            let r = int (Math.Round(sqrt (float (dx * dx + dy * dy))))

            if r <= rMax then
                let v = data.[((dy + h) % h) * w + (dx + w) % w].Real

                if v > best.[r] then
                    best.[r] <- v

    let one = best.[1]

    if not (one > 0.0) then
        [||]
    else
        best |> Array.map (fun v -> v / one)

let estimate (image: Image) : Result<float * float, string> =
    if image.Width < 16 || image.Height < 16 then
        Error(sprintf "an image of %d × %d pixels is too small to estimate the column spacing (give it)" image.Width image.Height)
    else
        let p = profile image

        if p.Length < 4 then
            Error "a flat image: no columns to find"
        else
            // the central peak falls until the first valley; the spacing is the highest ring beyond it
            let mutable valley = 1

            while valley + 1 < p.Length && p.[valley + 1] < p.[valley] do
                valley <- valley + 1

            if valley + 2 >= p.Length then
                Error "no repeated columns in the autocorrelation (give the column spacing in pixels)"
            else
                let upper = min (p.Length - 2) (3 * valley + 2)
                let highest = seq { valley + 1 .. upper } |> Seq.maxBy (fun r -> p.[r])
                // the nearest-neighbour ring: the first local maximum at least 0.15 of the highest ring (in a honeycomb
                // the lattice ring, √3 farther, is four times as high)
                let peak =
                    seq { valley + 1 .. upper }
                    |> Seq.tryFind (fun r ->
                        p.[r] >= p.[r - 1]
                        && p.[r] >= p.[r + 1]
                        && p.[r] - p.[valley] >= 0.15 * (p.[highest] - p.[valley]))
                    |> Option.defaultValue highest

                if p.[highest] - p.[valley] < 0.02 then
                    Error "no repeated columns in the autocorrelation (give the column spacing in pixels)"
                else
                    // sub-pixel peak by a parabola through the three rings
                    let a, b, c = p.[peak - 1], p.[peak], p.[peak + 1]
                    let denominator = a - 2.0 * b + c

                    let shift =
                        if denominator < 0.0 then
                            0.5 * (a - c) / denominator
                        else
                            0.0

                    let spacing = float peak + max -0.5 (min 0.5 shift)
                    // the central peak of Gaussian columns of σ is a Gaussian of σ√2: where it falls to half of
                    // its height above the valley gives σ
                    let top = p.[1] - p.[valley]
                    let mutable r = 1

                    while r < valley && p.[r + 1] - p.[valley] > 0.5 * top do
                        r <- r + 1

                    let f0 = p.[r] - p.[valley]
                    let f1 = p.[r + 1] - p.[valley]
                    let half = float r + (if f0 > f1 then (f0 - 0.5 * top) / (f0 - f1) else 0.0)
                    // exp(-(h² - 1) / (2 σ_ac²)) = 1/2, relative to radius 1
                    let sigmaAc = sqrt (max 0.25 (half * half - 1.0) / (2.0 * log 2.0))
                    let size = sigmaAc / sqrt 2.0
                    Ok(spacing, max (0.08 * spacing) (min (0.35 * spacing) (max 0.7 size)))

/// Noise standard deviation from the median absolute deviation of each pixel minus the mean of its four neighbours
/// (for white noise that difference has variance 1.25 σ²).
let private noise (image: Image) =
    let w, h = image.Width, image.Height
    let p = image.Pixels
    let step = max 1 (int (sqrt (float (w * h) / 250000.0)))

    let d =
        [| for y in 1..step .. h - 2 do
               for x in 1..step .. w - 2 do
                   let i = y * w + x
                   yield p.[i] - 0.25 * (p.[i - 1] + p.[i + 1] + p.[i - w] + p.[i + w]) |]

    if d.Length = 0 then
        0.0
    else
        let m = median d
        1.4826 * median (d |> Array.map (fun v -> abs (v - m))) / sqrt 1.25

/// A running minimum or maximum over a window of half-width r, along rows (step 1) or columns (step w).
let private runningExtreme (pick: float -> float -> float) (r: int) (w: int) (h: int) (alongRows: bool) (a: float array) =
    let out = Array.zeroCreate<float> a.Length
    let lines, length = (if alongRows then h, w else w, h)

    Threading.Tasks.Parallel.For(
        0,
        lines,
        fun line ->
            let at k =
                if alongRows then line * w + k else k * w + line

            for k in 0 .. length - 1 do
                let mutable m = a.[at k]

                for j in max 0 (k - r) .. min (length - 1) (k + r) do
                    m <- pick m a.[at j]

                out.[at k] <- m
    )
    |> ignore

    out

/// The background under the columns: a grey-scale opening (minimum, then maximum, over squares of half-width
/// 0.6 spacing, which reach the hollows between columns), smoothed at half the spacing. Unlike a wide blur, it does
/// not rise where columns are dense, so dim columns beside bright ones keep their height.
let private background (spacing: float) (smooth: Image) =
    let w, h = smooth.Width, smooth.Height
    let r = max 1 (int (ceil (0.6 * spacing)))

    let opened =
        smooth.Pixels
        |> runningExtreme min r w h true
        |> runningExtreme min r w h false
        |> runningExtreme max r w h true
        |> runningExtreme max r w h false

    Image.blur (0.5 * spacing) { smooth with Pixels = opened }

/// 1D k-means on the peak intensities; classes numbered from the dimmest.
let private intensityClasses (k: int) (values: float array) =
    if k <= 1 || values.Length = 0 then
        Array.zeroCreate values.Length
    else
        let lo, hi = Array.min values, Array.max values
        let centres = Array.init k (fun i -> lo + (hi - lo) * float i / float (k - 1))

        let assign () =
            values
            |> Array.map (fun v -> seq { 0 .. k - 1 } |> Seq.minBy (fun c -> abs (v - centres.[c])))

        let mutable labels = assign ()
        let mutable changed = true
        let mutable rounds = 0

        while changed && rounds < 100 do
            for c in 0 .. k - 1 do
                let members =
                    Array.zip values labels |> Array.filter (fun (_, l) -> l = c) |> Array.map fst

                if members.Length > 0 then
                    centres.[c] <- Array.average members

            let next = assign ()
            changed <- next <> labels
            labels <- next
            rounds <- rounds + 1

        labels

let find (settings: Settings) (progress: float -> unit) (image: Image) : Result<Found, string> =
    let positive name (v: float option) =
        match v with
        | Some v when not (v > 0.0) || Double.IsInfinity v -> Some(sprintf "%s must be a positive number of pixels, not %g" name v)
        | _ -> None

    let problems =
        [ positive "the column spacing" settings.Spacing
          positive "the column size" settings.ColumnSize
          (if not (settings.NoiseThreshold >= 0.0) then
               Some "the noise threshold must be ≥ 0"
           else
               None)
          (if not (settings.RelativeThreshold >= 0.0 && settings.RelativeThreshold < 1.0) then
               Some "the relative threshold must be in [0, 1)"
           else
               None)
          (if settings.Classes < 1 || settings.Classes > 16 then
               Some "the intensity classes must be 1 … 16"
           else
               None) ]
        |> List.choose id

    if not problems.IsEmpty then
        Error(String.Join("; ", problems))
    elif image.Pixels |> Array.exists (fun v -> Double.IsNaN v || Double.IsInfinity v) then
        Error "the image has NaN or infinite pixels"
    else
        let estimated =
            match settings.Spacing, settings.ColumnSize with
            | Some s, Some c -> Ok(s, c)
            | _ ->
                estimate image
                |> Result.map (fun (s, c) ->
                    let spacing = defaultArg settings.Spacing s
                    spacing, defaultArg settings.ColumnSize (max (0.08 * spacing) (min (0.35 * spacing) c)))

        match estimated with
        | Error e -> Error e
        | Ok(spacing, size) ->
            progress 0.1
            let w, h = image.Width, image.Height
            let smooth = Image.blur size image
            progress 0.2
            let background = background spacing smooth
            let s = Array.init (w * h) (fun i -> smooth.Pixels.[i] - background.Pixels.[i])
            progress 0.5
            // the noise of a pixel, then of a pixel smoothed by a Gaussian of σ = size: / (2 √π σ)
            let sigma = noise image
            let sigmaSmooth = sigma / (2.0 * sqrt Math.PI * size)
            // a small window (the column size): a wider one would lose a dim column on the flank of a bright neighbour;
            // maxima of one column split by noise are merged below
            let window = max 1 (int (Math.Round size))

            let offsets =
                [| for dy in -window .. window do
                       for dx in -window .. window do
                           if (dx, dy) <> (0, 0) && dx * dx + dy * dy <= window * window then
                               yield dx, dy |]

            let maxima = Collections.Concurrent.ConcurrentBag<int>()
            let rowsDone = ref 0

            Threading.Tasks.Parallel.For(
                0,
                h,
                fun y ->
                    for x in 0 .. w - 1 do
                        let i = y * w + x
                        let v = s.[i]

                        if v > settings.NoiseThreshold * sigmaSmooth then
                            let mutable isMax = true
                            let mutable k = 0

                            while isMax && k < offsets.Length do
                                let dx, dy = offsets.[k]
                                let xx, yy = x + dx, y + dy

                                if xx >= 0 && xx < w && yy >= 0 && yy < h then
                                    let u = s.[yy * w + xx]
                                    // ties go to the first pixel in row order
                                    if u > v || (u = v && yy * w + xx < i) then
                                        isMax <- false

                                k <- k + 1

                            if isMax then
                                maxima.Add i

                    let d = Threading.Interlocked.Increment &rowsDone.contents

                    if d % 256 = 0 then
                        progress (0.5 + 0.45 * float d / float h)
            )
            |> ignore

            let candidates = maxima.ToArray() |> Array.sort
            let peaks = candidates |> Array.map (fun i -> s.[i])
            let cutoff = settings.RelativeThreshold * median peaks

            let refine (i: int) =
                // sub-pixel peak: a parabola through the smoothed values either side, along x and along y (the
                // smoothing at the column size makes the peak smooth; a centroid would lean towards bright neighbours)
                let x, y = i % w, i / w

                let offset (before: float) (centre: float) (after: float) =
                    let d = before - 2.0 * centre + after

                    if d < 0.0 then
                        max -0.5 (min 0.5 (0.5 * (before - after) / d))
                    else
                        0.0

                let dx =
                    if x > 0 && x < w - 1 then
                        offset s.[i - 1] s.[i] s.[i + 1]
                    else
                        0.0

                let dy =
                    if y > 0 && y < h - 1 then
                        offset s.[i - w] s.[i] s.[i + w]
                    else
                        0.0

                float x + dx, float y + dy, s.[i]

            let refined =
                candidates
                |> Array.filter (fun i -> s.[i] >= cutoff)
                |> Array.map refine
                |> Array.sortByDescending (fun (_, _, v) -> v)

            // merge: a column closer than half the spacing to a brighter one is the same column
            let kept = ResizeArray<float * float * float>()
            let cell = 0.5 * spacing

            let grid =
                Collections.Generic.Dictionary<struct (int * int), ResizeArray<float * float>>()

            for (x, y, v) in refined do
                let gx, gy = int (floor (x / cell)), int (floor (y / cell))

                let near =
                    seq {
                        for a in gx - 1 .. gx + 1 do
                            for b in gy - 1 .. gy + 1 do
                                match grid.TryGetValue(struct (a, b)) with
                                | true, l -> yield! l
                                | _ -> ()
                    }
                    |> Seq.exists (fun (px, py) -> (px - x) ** 2.0 + (py - y) ** 2.0 < cell * cell)

                if not near then
                    kept.Add(x, y, v)

                    match grid.TryGetValue(struct (gx, gy)) with
                    | true, l -> l.Add(x, y)
                    | _ -> grid.[struct (gx, gy)] <- ResizeArray [ x, y ]

            let columns = kept.ToArray() |> Array.sortBy (fun (x, y, _) -> y, x)

            let labels =
                intensityClasses settings.Classes (columns |> Array.map (fun (_, _, v) -> v))

            progress 1.0

            Ok
                { Columns =
                    Array.map2
                        (fun (x, y, v) l ->
                            { X = x
                              Y = y
                              Intensity = v
                              Class = l })
                        columns
                        labels
                  Spacing = spacing
                  ColumnSize = size
                  Noise = sigma
                  PixelSize = image.PixelSize }

let parseSpecies (text: string) : Result<string list, string> =
    let names =
        if String.IsNullOrWhiteSpace text then
            []
        else
            text.Split(',', StringSplitOptions.RemoveEmptyEntries ||| StringSplitOptions.TrimEntries)
            |> List.ofArray

    match names |> List.tryFind (fun n -> (Elements.tryParse n).IsNone) with
    | Some n -> Error(sprintf "'%s' is not an element" n)
    | None -> Ok names

let toStructure (species: string list) (pixelSize: float option) (found: Found) : Structure =
    let names = if species.IsEmpty then [ "C" ] else species

    let numbers =
        names
        |> List.map (fun n ->
            match Elements.tryParse n with
            | Some z -> z
            | None -> invalidArg "species" (sprintf "'%s' is not an element symbol" n))
        |> Array.ofList

    let scale = pixelSize |> Option.orElse found.PixelSize |> Option.defaultValue 1.0
    let c = found.Columns

    Structure.cluster
        (c |> Array.map (fun k -> Vec3.make (k.X * scale) (k.Y * scale) 0.0))
        (c |> Array.map (fun k -> numbers.[min k.Class (numbers.Length - 1)]))
    |> Structure.withProperty "intensity" (Reals(1, c |> Array.map (fun k -> k.Intensity)))
    |> Structure.withProperty "class" (Integers(1, c |> Array.map (fun k -> k.Class)))
    |> Structure.withInfo
        "pixel_size"
        (match pixelSize |> Option.orElse found.PixelSize with
         | Some p -> sprintf "%g" p
         | None -> "none (positions in px)")
