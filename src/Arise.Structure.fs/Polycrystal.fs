/// Synthetic test samples: Voronoi polycrystals and a superalloy model (what the paper built with AtomsK).
module Arise.Structure.Polycrystal

open System

/// A rotation matrix (rows) applied as R·v.
type Rotation = { R0: Vec3; R1: Vec3; R2: Vec3 }

/// Applies a rotation.
let rotate (r: Rotation) (v: Vec3) =
    Vec3.make (Vec3.dot r.R0 v) (Vec3.dot r.R1 v) (Vec3.dot r.R2 v)

/// A uniformly random rotation (random unit quaternion).
let randomRotation (rng: Random) =
    let u1, u2, u3 = rng.NextDouble(), rng.NextDouble(), rng.NextDouble()
    let a = sqrt (1.0 - u1) * sin (2.0 * Math.PI * u2)
    let b = sqrt (1.0 - u1) * cos (2.0 * Math.PI * u2)
    let c = sqrt u1 * sin (2.0 * Math.PI * u3)
    let d = sqrt u1 * cos (2.0 * Math.PI * u3)
    // quaternion (d, a, b, c) = (w, x, y, z)
    let w, x, y, z = d, a, b, c

    { R0 = Vec3.make (1.0 - 2.0 * (y * y + z * z)) (2.0 * (x * y - z * w)) (2.0 * (x * z + y * w))
      R1 = Vec3.make (2.0 * (x * y + z * w)) (1.0 - 2.0 * (x * x + z * z)) (2.0 * (y * z - x * w))
      R2 = Vec3.make (2.0 * (x * z - y * w)) (2.0 * (y * z + x * w)) (1.0 - 2.0 * (x * x + y * y)) }

/// A rotation about the z axis by `angle` radians (for columnar slab grains).
let rotationZ (angle: float) =
    { R0 = Vec3.make (cos angle) (-sin angle) 0.0
      R1 = Vec3.make (sin angle) (cos angle) 0.0
      R2 = Vec3.make 0.0 0.0 1.0 }

/// Every atom of the periodic `crystal`, rotated by `rotation` about `centre`, that falls inside the box
/// [0, size) along x, y, z; calls `emit position number`.
let private fill (crystal: Structure) (rotation: Rotation) (centre: Vec3) (size: Vec3) (emit: Vec3 -> int -> unit) =
    let cell =
        crystal.Cell
        |> Option.defaultWith (fun () -> invalidArg "crystal" "grain crystals need a unit cell")

    let reach = Vec3.norm size / 2.0 + 1.0

    let n k =
        int (ceil (reach / Cell.planeSpacing k cell)) + 1

    let na, nb, nc = n 0, n 1, n 2

    for i in -na .. na do
        for j in -nb .. nb do
            for k in -nc .. nc do
                let t = float i * cell.A + float j * cell.B + float k * cell.C

                for a in 0 .. Structure.count crystal - 1 do
                    let p = rotate rotation (t + crystal.Positions.[a]) + centre

                    if
                        p.X >= 0.0
                        && p.X < size.X
                        && p.Y >= 0.0
                        && p.Y < size.Y
                        && p.Z >= 0.0
                        && p.Z < size.Z
                    then
                        emit p crystal.Numbers.[a]

/// Removes atoms closer than `minDistance` to an earlier kept atom (grain-boundary overlaps); keeps order.
let removeOverlaps (minDistance: float) (s: Structure) =
    let cells = CellList.build s
    let buffer = NeighbourBuffer()
    let removed = Array.zeroCreate (Structure.count s)

    for i in 0 .. Structure.count s - 1 do
        if not removed.[i] then
            CellList.queryAtom cells s i minDistance buffer

            for t in 0 .. buffer.Count - 1 do
                let j = buffer.Index.[t]

                if j > i then
                    removed.[j] <- true

    Structure.select
        [| for i in 0 .. Structure.count s - 1 do
               if not removed.[i] then
                   i |]
        s

/// A Voronoi polycrystal in the box [0, size): one random seed point and one random orientation per grain
/// (`columnar`: rotations about z only, seeds in the mid-plane, as for thin slabs); each grain's crystal fills its
/// Voronoi cell; atoms closer than `minDistance` across boundaries are removed. Per-atom property "grain".
let voronoi (seed: int) (grains: Structure list) (size: Vec3) (columnar: bool) (minDistance: float) : Structure =
    if grains.IsEmpty then
        invalidArg "grains" "at least one grain"

    let rng = Random(seed)
    let g = List.length grains

    let seeds =
        Array.init g (fun _ ->
            Vec3.make
                (rng.NextDouble() * size.X)
                (rng.NextDouble() * size.Y)
                (if columnar then size.Z / 2.0 else rng.NextDouble() * size.Z))

    let rotations =
        Array.init g (fun _ ->
            if columnar then
                rotationZ (rng.NextDouble() * 2.0 * Math.PI)
            else
                randomRotation rng)

    let positions = ResizeArray<Vec3>()
    let numbers = ResizeArray<int>()
    let grainOf = ResizeArray<int>()

    grains
    |> List.iteri (fun gi crystal ->
        fill crystal rotations.[gi] seeds.[gi] size (fun p z ->
            // keep the atom only inside this grain's Voronoi cell
            let own = Vec3.normSquared (p - seeds.[gi])
            let mutable inside = true

            for other in 0 .. g - 1 do
                if other <> gi && Vec3.normSquared (p - seeds.[other]) < own then
                    inside <- false

            if inside then
                positions.Add p
                numbers.Add z
                grainOf.Add gi))

    Structure.cluster (positions.ToArray()) (numbers.ToArray())
    |> Structure.withProperty "grain" (Integers(1, grainOf.ToArray()))
    |> removeOverlaps minDistance

/// The superalloy model: an fcc matrix (lattice constant a, Å) filling a cube of edge `size`, Ni with a fraction
/// `alInMatrix` of Al at random sites, and a central cube of edge `precipitate` with L1₂ (Ni₃Al) order: Al on the
/// cube corners, Ni on the face centres. Per-atom property "precipitate" (true inside).
/// The superalloy model with L1₂ order where `inPrecipitate` says.
let private alloy (seed: int) (a: float) (size: float) (alInMatrix: float) (inPrecipitate: Vec3 -> bool) =
    let rng = Random(seed)
    let n = int (floor (size / a))

    let basis =
        [| Vec3.zero
           Vec3.make 0.0 (a / 2.0) (a / 2.0)
           Vec3.make (a / 2.0) 0.0 (a / 2.0)
           Vec3.make (a / 2.0) (a / 2.0) 0.0 |]

    let positions = ResizeArray<Vec3>()
    let numbers = ResizeArray<int>()
    let inside = ResizeArray<bool>()

    for i in 0 .. n - 1 do
        for j in 0 .. n - 1 do
            for k in 0 .. n - 1 do
                let origin = Vec3.make (float i * a) (float j * a) (float k * a)

                for b in 0..3 do
                    let p = origin + basis.[b]

                    let inPrecipitate = inPrecipitate p

                    let z =
                        if inPrecipitate then (if b = 0 then 13 else 28)
                        elif rng.NextDouble() < alInMatrix then 13
                        else 28

                    positions.Add p
                    numbers.Add z
                    inside.Add inPrecipitate

    Structure.cluster (positions.ToArray()) (numbers.ToArray())
    |> Structure.withProperty "precipitate" (Logicals(1, inside.ToArray()))

let superalloy (seed: int) (a: float) (size: float) (precipitate: float) (alInMatrix: float) : Structure =
    let lo = size / 2.0 - precipitate / 2.0
    let hi = size / 2.0 + precipitate / 2.0
    alloy seed a size alInMatrix (fun p -> p.X >= lo && p.X < hi && p.Y >= lo && p.Y < hi && p.Z >= lo && p.Z < hi)

let superalloyArray (seed: int) (a: float) (size: float) (perAxis: int) (precipitate: float) (alInMatrix: float) : Structure =
    let cell = size / float perAxis

    let inside (x: float) =
        let c = (floor (x / cell) + 0.5) * cell
        x >= c - precipitate / 2.0 && x < c + precipitate / 2.0

    alloy seed a size alInMatrix (fun p -> inside p.X && inside p.Y && inside p.Z)
