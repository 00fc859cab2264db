/// Defects of the paper's robustness study: random displacements and vacancies, seeded and reproducible.
module Arise.Structure.Defects

open System

/// Displaces every atom by a vector whose Cartesian components are drawn uniformly from
/// [−amplitude, +amplitude] (same unit as the positions; the paper uses amplitude = δ·d_NN). Same seed, same result.
let displace (seed: int) (amplitude: float) (s: Structure) : Structure =
    if not (amplitude >= 0.0) || Double.IsInfinity amplitude then
        invalidArg "amplitude" (sprintf "displacement amplitude must be finite and ≥ 0 (got %g)" amplitude)

    let rng = Random(seed)

    let draw () =
        (2.0 * rng.NextDouble() - 1.0) * amplitude

    { s with
        Positions =
            s.Positions
            |> Array.map (fun p ->
                let dx = draw () in
                let dy = draw () in
                let dz = draw () in
                p + Vec3.make dx dy dz) }

/// Displacements of δ·d_NN (δ as a fraction, e.g. 0.01 for 1 %).
let displaceRelative (seed: int) (delta: float) (dnn: float) (s: Structure) = displace seed (delta * dnn) s

/// Removes int(η·N) atoms (rounded down, as ai4materials' create_vacancies), chosen uniformly at random without
/// replacement (η in [0, 1)), keeping the order of the rest.
let removeFraction (seed: int) (eta: float) (s: Structure) : Structure =
    if not (eta >= 0.0 && eta < 1.0) then
        invalidArg "eta" (sprintf "vacancy fraction must be in [0, 1) (got %g)" eta)

    let n = Structure.count s
    let k = int (eta * float n)
    let rng = Random(seed)
    let order = Array.init n id
    // partial Fisher–Yates: the first k entries become the removed atoms
    for t in 0 .. k - 1 do
        let r = t + rng.Next(n - t)
        let tmp = order.[t]
        order.[t] <- order.[r]
        order.[r] <- tmp

    let removed = Collections.Generic.HashSet<int>(order.[0 .. k - 1])

    Structure.select
        [| for i in 0 .. n - 1 do
               if not (removed.Contains i) then
                   i |]
        s

/// Vacancies (fraction η) then displacements (δ·d_NN), with independent streams derived from one seed.
let combined (seed: int) (eta: float) (delta: float) (dnn: float) (s: Structure) =
    s |> removeFraction seed eta |> displaceRelative (seed * 7919 + 1) delta dnn

/// Version of the defective structures `removeFraction` and `tableLevel` make, for caches of their descriptors: 2 since
/// vacancies remove int(η·N) atoms (1 rounded η·N to nearest).
let protocolVersion = 2

/// The defects of the Table 1 protocol (scripts/table1.fsx, arise benchmark, the training selection set): a fraction
/// η of the atoms removed (seeded by `seed`) when η > 0, then displacements of up to δ·d_NN (seeded by seed + 1) when
/// δ > 0.
let tableLevel (seed: int) (eta: float) (delta: float) (dnn: float) (s: Structure) =
    let s1 = if eta > 0.0 then removeFraction seed eta s else s

    if delta > 0.0 then
        displaceRelative (seed + 1) delta dnn s1
    else
        s1
