namespace Arise.Classic

open System
open Arise.Structure

/// Local structure types recognised by common neighbour analysis.
[<RequireQualifiedAccess>]
type CnaType =
    | Other
    | Fcc
    | Hcp
    | Bcc
    | Icosahedral

/// Common neighbour analysis: fixed cutoff (Honeycutt & Andersen; Faken & Jónsson) and adaptive (Stukowski 2012).
module Cna =
    /// Name of a type: Fcc, Hcp, Bcc, Icosahedral, Other (as printed by %A, without its cost).
    let typeName (t: CnaType) =
        match t with
        | CnaType.Fcc -> "fcc"
        | CnaType.Hcp -> "hcp"
        | CnaType.Bcc -> "bcc"
        | CnaType.Icosahedral -> "ico"
        | CnaType.Other -> "other"

    /// Per-structure label: the most frequent type among the atoms identified (Other when none is).
    let majority (types: CnaType[]) =
        Majority.vote ((=) CnaType.Other) types |> Option.defaultValue CnaType.Other

    /// The CNA signature of the bond i–j: (common neighbours, bonds among them, longest chain of those bonds).
    /// `neighbours` and `jNeighbours` are sorted atom indices; `isBonded a b` says whether a and b are neighbours.
    let signature (isBonded: int -> int -> bool) (neighbours: int[]) (j: int) (jNeighbours: int[]) =
        // common neighbours: merge of the two sorted lists
        let common = Collections.Generic.List<int>(8)
        let mutable a, b = 0, 0

        while a < neighbours.Length && b < jNeighbours.Length do
            let x, y = neighbours.[a], jNeighbours.[b]

            if x = y then
                if x <> j then
                    common.Add x

                a <- a + 1
                b <- b + 1
            elif x < y then
                a <- a + 1
            else
                b <- b + 1

        let m = common.Count

        let bonds =
            [| for a in 0 .. m - 1 do
                   for b in a + 1 .. m - 1 do
                       if isBonded common.[a] common.[b] then
                           a, b |]
        // longest chain: the largest connected cluster of bonds, counted in bonds
        let parent = Array.init m id

        let rec find x =
            if parent.[x] = x then
                x
            else
                (let r = find parent.[x] in
                 parent.[x] <- r
                 r)

        for (a, b) in bonds do
            let ra, rb = find a, find b

            if ra <> rb then
                parent.[ra] <- rb

        let chain =
            if bonds.Length = 0 then
                0
            else
                bonds |> Array.countBy (fun (a, _) -> find a) |> Array.map snd |> Array.max

        m, bonds.Length, chain

    /// Classifies one atom from the signatures of its bonds.
    let classify (signatures: (int * int * int)[]) =
        let count s =
            signatures |> Array.filter ((=) s) |> Array.length

        match signatures.Length with
        | 12 when count (4, 2, 1) = 12 -> CnaType.Fcc
        | 12 when count (4, 2, 1) = 6 && count (4, 2, 2) = 6 -> CnaType.Hcp
        | 12 when count (5, 5, 5) = 12 -> CnaType.Icosahedral
        | 14 when count (4, 4, 4) = 6 && count (6, 6, 6) = 8 -> CnaType.Bcc
        | _ -> CnaType.Other

    let private neighbourLists (s: Structure) (cutoffOf: int -> float) (maxCutoff: float) =
        let cells = CellList.build s
        // a periodic image of the same atom counts as a distinct neighbour only through its index here, which is
        // what CNA needs for cells larger than twice the cutoff
        PerAtom.init (Structure.count s) (fun buffer i ->
            CellList.queryAtom cells s i maxCutoff buffer
            let rc = cutoffOf i

            [| for t in 0 .. buffer.Count - 1 do
                   if buffer.R2.[t] < rc * rc then
                       buffer.Index.[t] |]
            |> Array.distinct
            |> Array.sort)

    let private analyse (lists: int[][]) =
        // lists hold sorted indices
        let bonded a b = Array.BinarySearch(lists.[a], b) >= 0

        lists
        |> PerAtom.mapi (fun i nb ->
            if nb.Length <> 12 && nb.Length <> 14 then
                CnaType.Other
            else
                classify (nb |> Array.map (fun j -> signature bonded nb j lists.[j])))

    /// The structure repeated along its periodic axes until every periodic plane spacing is at least `room` (the
    /// positions' unit). The neighbour lists hold indices, so no atom may meet two images of another: with spacings
    /// of at least 3 cutoffs, two neighbours of an atom (within 2 cutoffs of each other) cannot be bonded through
    /// another image. The original atoms are the first of the result (Supercell.repeat's order).
    let private withRoom (room: float) (s: Structure) =
        match s.Cell with
        | Some cell when Structure.isPeriodic s ->
            let reps k =
                if s.Pbc.[k] then
                    max 1 (int (ceil (room / Cell.planeSpacing k cell)))
                else
                    1

            if reps 0 * reps 1 * reps 2 = 1 then
                s
            else
                Supercell.repeat (reps 0) (reps 1) (reps 2) s
        | _ -> s

    /// Runs `label` on `s` repeated to `room` (withRoom) and returns the labels of the original atoms.
    let private onRoomy (room: float) (label: Structure -> CnaType[]) (s: Structure) =
        label (withRoom room s) |> Array.truncate (Structure.count s)

    /// Conventional CNA with one cutoff for all atoms (e.g. between the first and second neighbour shells). Small
    /// periodic cells (a plane spacing below 3.2 × cutoff) are repeated first.
    let fixedCutoff (cutoff: float) (s: Structure) : CnaType[] =
        s
        |> onRoomy (3.2 * cutoff) (fun t -> analyse (neighbourLists t (fun _ -> cutoff) cutoff))

    /// Adaptive CNA on a structure whose periodic cell is large enough (see adaptive).
    let private adaptiveRoomy (s: Structure) : CnaType[] =
        let n = Structure.count s
        let cells = CellList.build s
        let start = 2.0 * NearestNeighbour.typicalSpacing s
        // the 14 nearest distances of each atom (periodic images included), by growing the search radius
        let nearest =
            PerAtom.init n (fun buffer i ->
                NearestNeighbour.queryAtLeast cells s i 14 start buffer |> ignore

                Array.init buffer.Count (fun t -> sqrt buffer.R2.[t], buffer.Index.[t])
                |> Array.sortBy fst
                |> Array.truncate 14)

        let k = (1.0 + sqrt 2.0) / 2.0

        let byCutoff (rc: int -> float) (count: int) =
            nearest
            |> Array.mapi (fun i ns ->
                if ns.Length < count then
                    [||]
                else
                    let cut = rc i

                    ns
                    |> Array.truncate count
                    |> Array.filter (fun (d, _) -> d < cut)
                    |> Array.map snd
                    |> Array.distinct
                    |> Array.sort)

        let twelve =
            byCutoff (fun i -> k * (nearest.[i] |> Array.truncate 12 |> Array.averageBy fst)) 12

        let fourteen =
            byCutoff
                (fun i ->
                    let ns = nearest.[i]

                    k
                    * ((2.0 / sqrt 3.0) * (ns.[..7] |> Array.averageBy fst)
                       + (ns.[8..13] |> Array.averageBy fst))
                    / 2.0)
                14

        let first = analyse twelve
        let second = analyse fourteen

        Array.init n (fun i ->
            if first.[i] <> CnaType.Other then first.[i]
            elif second.[i] = CnaType.Bcc then CnaType.Bcc
            else CnaType.Other)

    /// Adaptive CNA: per atom, the cutoff from its 12 nearest neighbours (fcc/hcp/ico, r_c = (1+√2)/2·mean) and
    /// from its 14 nearest (bcc, r_c = (1+√2)/2·[(2/√3)·mean of the 8 nearest + mean of the next 6]/2).
    let adaptive (s: Structure) : CnaType[] =
        // small periodic cells are repeated to 6 × (volume per atom)^(1/3): 5.3 d_NN in fcc, 5.5 d_NN in bcc, beyond
        // 3.2 × the largest adaptive cutoff (1.21 d_NN in fcc, 1.39 d_NN in bcc)
        s |> onRoomy (6.0 * NearestNeighbour.typicalSpacing s) adaptiveRoomy
