module Arise.Imaging.Synthetic

open System
open Arise.Structure

type Settings =
    { PixelSize: float
      ProbeSize: float
      Exponent: float
      Dose: float
      ReadNoise: float
      Background: float
      RowJitter: float
      Drift: float
      Margin: float
      Seed: int }

let defaults =
    { PixelSize = 0.1
      ProbeSize = 0.3
      Exponent = 1.7
      Dose = 100.0
      ReadNoise = 0.05
      Background = 0.1
      RowJitter = 0.3
      Drift = 1.0
      Margin = 2.0
      Seed = 1 }

let private gaussian (rng: Random) =
    let u1 = 1.0 - rng.NextDouble()
    let u2 = rng.NextDouble()
    sqrt (-2.0 * log u1) * cos (2.0 * Math.PI * u2)

let private poisson (rng: Random) (lambda: float) =
    if lambda <= 0.0 then
        0.0
    elif lambda > 50.0 then
        max 0.0 (Math.Round(lambda + sqrt lambda * gaussian rng))
    else
        let l = exp -lambda
        let mutable k = 0
        let mutable p = rng.NextDouble()

        while p > l do
            k <- k + 1
            p <- p * rng.NextDouble()

        float k

let render (settings: Settings) (s: Structure) : Image * (float * float) array =
    if not (settings.PixelSize > 0.0 && settings.ProbeSize > 0.0) then
        invalidArg "settings" "the pixel size and the probe size must be positive"

    if s.Positions.Length = 0 then
        invalidArg "s" "no atoms to render"

    let ps = settings.PixelSize
    let xs = s.Positions |> Array.map (fun p -> p.X)
    let ys = s.Positions |> Array.map (fun p -> p.Y)
    let x0 = Array.min xs - settings.Margin
    let y0 = Array.min ys - settings.Margin
    let w = int (ceil ((Array.max xs + settings.Margin - x0) / ps)) + 1
    let h = int (ceil ((Array.max ys + settings.Margin - y0) / ps)) + 1

    if int64 w * int64 h > Image.maxPixels then
        invalidArg "settings" (sprintf "an image of %d × %d pixels is too large" w h)

    let rng = Random(settings.Seed)

    let drift y =
        settings.Drift * sin (2.0 * Math.PI * float y / float h)

    let jitter = Array.init h (fun _ -> settings.RowJitter * gaussian rng)
    let sigma = settings.ProbeSize / ps
    let reach = int (ceil (4.0 * sigma))
    let clean = Array.create (w * h) settings.Background

    // columns: atoms on the same (x, y) add up, as in a projection
    let atoms =
        Array.init s.Positions.Length (fun i ->
            (s.Positions.[i].X - x0) / ps, (s.Positions.[i].Y - y0) / ps, (float s.Numbers.[i] / 6.0) ** settings.Exponent)

    // a row acquired with the scan shifted by δ shows at x what lies at x + δ
    for (ax, ay, a) in atoms do
        for y in max 0 (int ay - reach) .. min (h - 1) (int ay + reach + 1) do
            let shift = drift y + jitter.[y]
            let dy = float y - ay

            for x in max 0 (int (ax - shift) - reach) .. min (w - 1) (int (ax - shift) + reach + 1) do
                let dx = float x + shift - ax
                clean.[y * w + x] <- clean.[y * w + x] + a * exp (-(dx * dx + dy * dy) / (2.0 * sigma * sigma))

    let pixels =
        clean
        |> Array.map (fun v ->
            let shot =
                if Double.IsPositiveInfinity settings.Dose then
                    v
                else
                    poisson rng (v * settings.Dose) / settings.Dose

            shot + settings.ReadNoise * gaussian rng)

    let truth =
        atoms |> Array.map (fun (ax, ay, _) -> ax - drift (int (Math.Round ay)), ay)

    { Width = w
      Height = h
      Pixels = pixels
      PixelSize = Some ps
      Source =
        sprintf
            "synthetic: %d atoms, %g Å/px, probe σ %g Å, dose %g, read noise %g"
            s.Positions.Length
            ps
            settings.ProbeSize
            settings.Dose
            settings.ReadNoise },
    truth

let private flatten (s: Structure) = Structure.toCluster s

let dopedGraphene (seed: int) (nx: int) (ny: int) (dopants: int) : Structure =
    let d = 1.42
    let sheet = Crystals.graphene 6 d 10.0 |> Supercell.repeat nx ny 1 |> flatten
    let rng = Random(seed)
    let lo, hi = Structure.bounds sheet

    let inside (p: Vec3) =
        p.X > lo.X + 2.0 * d
        && p.X < hi.X - 2.0 * d
        && p.Y > lo.Y + 2.0 * d
        && p.Y < hi.Y - 2.0 * d

    let order =
        Array.init sheet.Positions.Length id |> Array.sortBy (fun _ -> rng.Next())

    let chosen = ResizeArray<int>()

    for i in order do
        let p = sheet.Positions.[i]

        if
            chosen.Count < dopants
            && inside p
            && chosen
               |> Seq.forall (fun j -> let q = sheet.Positions.[j] in Vec3.norm (p - q) >= 4.0 * d)
        then
            chosen.Add i

    if chosen.Count < dopants then
        invalidArg "dopants" (sprintf "%d dopants do not fit 4 d_NN apart in %d × %d cells" dopants nx ny)

    let isDopant = Array.init sheet.Positions.Length (fun i -> chosen.Contains i)

    { sheet with
        Numbers = sheet.Numbers |> Array.mapi (fun i z -> if isDopant.[i] then 14 else z) }
    |> Structure.withProperty "dopant" (Logicals(1, isDopant))

let grapheneBoundaries (seed: int) (grains: int) (size: float) : Structure =
    let graphene = Crystals.graphene 6 1.42 10.0
    Polycrystal.voronoi seed (List.replicate grains graphene) (Vec3.make size size 1.0) true 1.1

let binaryHoneycomb (zA: int) (zB: int) (d: float) (nx: int) (ny: int) : Structure =
    let sheet = Crystals.graphene zA d 10.0 |> Supercell.repeat nx ny 1 |> flatten
    // the orthohexagonal cell holds the two sublattices at alternate sites: atoms 0, 1 of each 4 on one, 2, 3 on the other
    { sheet with
        Numbers = sheet.Numbers |> Array.mapi (fun i _ -> if i % 4 < 2 then zA else zB) }
