namespace Arise.Spm

open System
open Arise.Numerics
open System.IO
open System.Threading
open System.Threading.Tasks
open Arise.Structure
open Arise.Soap
open Arise.Model

/// Everything a strided-pattern-matching run produces, box by box (flat index: x slowest, then y, then z).
type SpmResult =
    {
        Grid: SpmGrid
        Classes: string[]
        MaterialTypes: string[]
        Centres: Vec3[]
        /// Atoms in each box.
        Atoms: int[]
        /// Class probabilities, boxes × classes (NaN for empty boxes).
        Probabilities: float32[]
        /// Mutual information (nats; NaN for empty boxes).
        MutualInformation: float[]
        /// Most probable class (−1 for empty boxes, −2 for boxes with enough atoms whose descriptor failed, e.g.
        /// overlapping atoms).
        Argmax: int[]
        /// Hidden-layer pre-activations (dropout off), one array boxes × width per hidden layer (NaN for empty boxes).
        Hidden: float32[][]
        /// Per atom of the sample: mean probabilities over the boxes containing it (atoms × classes) and the count.
        AtomProbabilities: float32[]
        AtomMutualInformation: float[]
        AtomBoxes: int[]
    }

/// The arrays of one chunk of boxes (first .. first + count − 1 of the grid): what a run stores to resume.
type SpmChunk =
    { Index: int
      First: int
      Count: int
      Atoms: int[]
      Probabilities: float32[]
      MutualInformation: float[]
      Argmax: int[]
      Hidden: float32[][] }

/// Timing of a run (seconds).
type SpmTiming =
    { Extraction: float
      Descriptors: float
      Network: float }

/// Per-atom labels from the boxes of a run (Spm.atomLabels): each atom's most probable class by its mean probabilities
/// over the classified boxes that hold it (−1 in none), that mean probability (0 in none), the mean mutual information
/// (nats; NaN in none) and the count of those boxes.
type AtomLabels =
    { Best: int[]
      Probability: float[]
      MutualInformation: float[]
      Boxes: int[] }

/// Chunks shared out between the processes of a run as they go (Spm.runPartOf).
type ChunkSharing =
    { Lent: int[]
      Borrowed: int[]
      Claim: int -> bool }

/// Running strided pattern matching over a sample.
module Spm =
    /// Boxes per chunk: computed together, written together (the unit of resumption).
    let chunkSize = 512

    let noSharing =
        { Lent = [||]
          Borrowed = [||]
          Claim = fun _ -> true }

    /// Chunks of a grid.
    let chunkCount (grid: SpmGrid) =
        (grid.Count + chunkSize - 1) / chunkSize

    /// A fingerprint of everything a run's results depend on: the model's weights, T, the seed, the settings and
    /// grid, and the sample's atoms and positions (SHA-256, hex).
    let fingerprintOf (model: Model) (samples: int) (seed: int) (settings: SpmSettings) (grid: SpmGrid) (count: int) (digest: string) =
        // "boxes sorted": the atoms of a box in sample order (fingerprints of runs that took them in cell-list order
        // differ); "images by offset": an atom's images in one box by their lattice offset (2026-12-03)
        RunStore.sha256
            [ Text.Encoding.UTF8.GetBytes(
                  sprintf
                      "%s|%d|%d|%A|%A|%d|%s|boxes sorted|images by offset"
                      (Network.weightsHash model.Network)
                      samples
                      seed
                      settings
                      grid
                      count
                      digest
              ) ]

    let fingerprint (model: Model) (samples: int) (seed: int) (settings: SpmSettings) (grid: SpmGrid) (sample: Structure) =
        fingerprintOf model samples seed settings grid (Structure.count sample) (Structure.digest sample)

    /// Widths of the network's hidden layers.
    let private hiddenWidths (model: Model) =
        model.Network.Layers
        |> Array.take (model.Network.Layers.Length - 1)
        |> Array.map (fun l -> l.Outputs)

    let private chunkFile (dir: string) (c: int) =
        Path.Combine(dir, sprintf "chunk_%05d.npz" c)

    /// A chunk's arrays under the spm.npz keys.
    let private chunkArrays (ch: SpmChunk) (classes: int) (widths: int[]) =
        [ yield SpmKeys.Atoms, Npy.int32Vector ch.Atoms
          yield SpmKeys.Probabilities, Npy.float32Matrix ch.Count classes ch.Probabilities
          yield SpmKeys.MutualInformation, Npy.float64Vector ch.MutualInformation
          yield SpmKeys.Argmax, Npy.int32Vector ch.Argmax
          for h in 0 .. widths.Length - 1 -> SpmKeys.hidden (h + 1), Npy.float32Matrix ch.Count widths.[h] ch.Hidden.[h] ]

    /// The grid-wide box arrays (atoms, probabilities, MI, argmax, hidden layers), filled with "not computed".
    let private boxArrays (n: int) (classes: int) (widths: int[]) =
        Array.zeroCreate<int> n,
        Array.create (n * classes) nanf,
        Array.create n nan,
        Array.create n -1,
        widths |> Array.map (fun w -> Array.create (n * w) nanf)

    /// Copies the values that `data` holds (bytes) to target.[at .. at + length − 1], when it holds `length` of them.
    let private copyInto<'T when 'T: unmanaged and 'T: struct and 'T: (new: unit -> 'T) and 'T :> ValueType>
        (data: ArraySegment<byte>)
        (target: 'T[])
        (at: int)
        (length: int)
        =
        let bytes = ReadOnlySpan<byte>(data.Array, data.Offset, data.Count)
        let values = Runtime.InteropServices.MemoryMarshal.Cast<byte, 'T> bytes

        if values.Length = length && bytes.Length = length * sizeof<'T> then
            values.CopyTo(Span<'T>(target, at, length))
            true
        else
            false

    /// Reads stored chunk c (`count` boxes) of run `run` into box arrays (boxArrays' shapes) from box `at` on, straight
    /// from the file: true when it is whole and of this run (RunStore), with the shapes of `count` boxes and in-range
    /// classes; after false, what was read is not to be used (the chunk is computed again, never used).
    let private tryReadChunk
        (dir: string)
        (run: string)
        (c: int)
        (count: int)
        (classes: int)
        (widths: int[])
        (atoms: int[], probs: float32[], mi: float[], argmax: int[], hidden: float32[][])
        (at: int)
        =
        let mutable placed = 0

        // an array of `per` values a box: copied to values per × at … of `target` (values, not bytes: the grid-wide
        // hidden layers reach past 2 GB at 10⁶ boxes)
        let counted (ok: bool) =
            if ok then
                placed <- placed + 1

            ok

        RunStore.tryReadPart (chunkFile dir c) run c (fun key _ _ data ->
            if key = SpmKeys.Atoms then
                counted (copyInto data atoms at count)
            elif key = SpmKeys.Probabilities then
                counted (copyInto data probs (classes * at) (classes * count))
            elif key = SpmKeys.MutualInformation then
                counted (copyInto data mi at count)
            elif key = SpmKeys.Argmax then
                counted (copyInto data argmax at count)
            else
                match
                    widths
                    |> Array.indexed
                    |> Array.tryFind (fun (h, _) -> key = SpmKeys.hidden (h + 1))
                with
                | Some(h, w) -> counted (copyInto data hidden.[h] (w * at) (w * count))
                | None -> true)
        && placed = 4 + widths.Length
        && Seq.forall (fun b -> argmax.[b] >= -2 && argmax.[b] < classes) (seq { at .. at + count - 1 })

    /// A stored chunk, when it is whole and of this run (tryReadChunk); anything else is computed again, never used.
    let private tryLoadChunk (dir: string) (run: string) (c: int) (first: int) (count: int) (classes: int) (widths: int[]) =
        let arrays = boxArrays count classes widths

        if tryReadChunk dir run c count classes widths arrays 0 then
            let atoms, probs, mi, argmax, hidden = arrays

            Some
                { Index = c
                  First = first
                  Count = count
                  Atoms = atoms
                  Probabilities = probs
                  MutualInformation = mi
                  Argmax = argmax
                  Hidden = hidden }
        else
            None

    /// Classifies the boxes of one chunk whose atoms are `members` and clusters `boxes`: descriptors through the
    /// pipeline's guards (a box whose descriptor fails is marked Failed), then one batch through the network with
    /// dropout masks seeded by `seed + c`. Pure: no file is touched.
    let private classifyChunk
        (pipeline: Pipeline)
        (samples: int)
        (seed: int)
        (minAtoms: int)
        (c: int)
        (first: int)
        (members: int[][])
        (boxes: Structure[])
        =
        let model = pipeline.Model
        let classes = model.Metadata.Classes.Length
        let count = members.Length

        let widths = hiddenWidths model

        let chunk =
            { Index = c
              First = first
              Count = count
              Atoms = members |> Array.map Array.length
              Probabilities = Array.create (count * classes) nanf
              MutualInformation = Array.create count nan
              Argmax = Array.create count -1
              Hidden = widths |> Array.map (fun w -> Array.create (count * w) nanf) }

        let sw = Diagnostics.Stopwatch.StartNew()
        let descriptors = Array.create count None

        let wanted =
            [| for b in 0 .. count - 1 do
                   if members.[b].Length >= max 2 minAtoms then
                       b |]

        Pipeline.describeMany pipeline (wanted |> Array.map (fun b -> boxes.[b]))
        |> Array.iteri (fun k d ->
            match d with
            | Ok d -> descriptors.[wanted.[k]] <- Some d
            | Error _ -> chunk.Argmax.[wanted.[k]] <- -2)

        let tDesc = sw.Elapsed.TotalSeconds
        sw.Restart()

        let valid =
            [| for b in 0 .. count - 1 do
                   if descriptors.[b].IsSome then
                       b |]

        if valid.Length > 0 then
            let x = Pipeline.pack pipeline (valid |> Array.map (fun b -> descriptors.[b].Value))

            let preds =
                Pipeline.predict pipeline Environment.ProcessorCount (seed + c) samples x valid.Length

            let hid = Pipeline.hidden pipeline x valid.Length

            valid
            |> Array.iteri (fun r b ->
                let p = preds.[r]

                for k in 0 .. classes - 1 do
                    chunk.Probabilities.[b * classes + k] <- float32 p.Probabilities.[k]

                chunk.MutualInformation.[b] <- p.MutualInformation
                chunk.Argmax.[b] <- Pipeline.argmax p.Probabilities

                for h in 0 .. widths.Length - 1 do
                    Array.blit hid.[h] (r * widths.[h]) chunk.Hidden.[h] (b * widths.[h]) widths.[h])

        chunk, tDesc, sw.Elapsed.TotalSeconds

    /// Adds box f (probabilities `probs`, boxes × classes, and `mi`) to the sums of its atoms `members` (rows of the
    /// sums).
    let private addBox
        (sums: float32[])
        (miSums: float[])
        (boxes: int[])
        (classes: int)
        (members: int[])
        f
        (probs: float32[])
        (mi: float[])
        =
        for a in members do
            boxes.[a] <- boxes.[a] + 1
            miSums.[a] <- miSums.[a] + mi.[f]

            for k in 0 .. classes - 1 do
                sums.[a * classes + k] <- sums.[a * classes + k] + probs.[f * classes + k]

    /// The sums of `classes` values at `at` made their mean over `count` boxes, in place.
    let private meanOf (sums: float32[]) (at: int) (classes: int) (count: int) =
        let inv = 1.0f / float32 count

        for k in 0 .. classes - 1 do
            sums.[at + k] <- sums.[at + k] * inv

    /// The most probable of the `classes` probabilities at `at` (the first on a tie, as Array.maxBy).
    let private bestOf (probs: float32[]) (at: int) (classes: int) =
        let mutable k = 0

        for j in 1 .. classes - 1 do
            if probs.[at + j] > probs.[at + k] then
                k <- j

        k

    /// The per-atom sums made means (NaN for atoms in no classified box).
    let private normalise (sums: float32[]) (miSums: float[]) (boxes: int[]) (classes: int) =
        for a in 0 .. boxes.Length - 1 do
            if boxes.[a] > 0 then
                meanOf sums (a * classes) classes boxes.[a]
                miSums.[a] <- miSums.[a] / float boxes.[a]
            else
                for k in 0 .. classes - 1 do
                    sums.[a * classes + k] <- nanf

                miSums.[a] <- nan

    /// Copies a chunk's arrays into the grid-wide ones.
    let private place
        (ch: SpmChunk)
        classes
        (widths: int[])
        (atoms: int[], probs: float32[], mi: float[], argmax: int[], hidden: float32[][])
        =
        let first, count = ch.First, ch.Count
        Array.blit ch.Atoms 0 atoms first count
        Array.blit ch.Probabilities 0 probs (first * classes) (count * classes)
        Array.blit ch.MutualInformation 0 mi first count
        Array.blit ch.Argmax 0 argmax first count

        hidden
        |> Array.iteri (fun h arr -> Array.blit ch.Hidden.[h] 0 arr (first * widths.[h]) (count * widths.[h]))

    /// The centre of box f of a grid (flat index).
    let private centreOf (grid: SpmGrid) (f: int) =
        let _, ny, nz = grid.Shape
        SpmGrid.centre grid (f / (ny * nz)) ((f / nz) % ny) (f % nz)

    /// The centres of every box of a grid, by flat index.
    let private centresOf (grid: SpmGrid) = Array.init grid.Count (centreOf grid)

    /// What a scan keeps besides its timing.
    [<RequireQualifiedAccess>]
    type private Kept =
        /// Nothing: a process's part of a run (its chunks are stored).
        | Timing
        /// The grid-wide maps and the box centres.
        | Maps
        /// The maps and the per-atom means (sums of atoms × classes held through the scan).
        | MapsAndMeans

    /// The scan itself, touching no file: chunk by chunk, the atoms of each box are found, then the chunk is taken
    /// from `reuse c first count` when that gives one or classified (and handed to `computed`). `progress done total`
    /// after each chunk; `cancel` stops between chunks. It takes the chunks `order` gives, in that order, as it goes
    /// (the others' boxes stay NaN, their atoms uncounted): for one process of several, which computes its own chunks
    /// only. What it returns besides the timing is what `kept` says; the rest is empty.
    let private scanWith
        (kept: Kept)
        (order: seq<int>)
        (pipeline: Pipeline)
        (samples: int)
        (seed: int)
        (settings: SpmSettings)
        (grid: SpmGrid)
        (sample: Structure)
        (reuse: int -> int -> int -> SpmChunk option)
        (computed: SpmChunk -> unit)
        (progress: int -> int -> unit)
        (cancel: CancellationToken)
        : SpmResult * SpmTiming =
        let model = pipeline.Model
        let meta = model.Metadata
        let classes = meta.Classes.Length
        let n = grid.Count
        let cells = CellList.build sample
        let widths = hiddenWidths model
        // the grid-wide maps and the per-atom sums (atoms × classes), for a whole run only
        let maps = kept <> Kept.Timing
        let means = kept = Kept.MapsAndMeans
        let arrays = boxArrays (if maps then n else 0) classes widths
        let atoms, probs, mi, argmax, hidden = arrays
        let natoms = if means then Structure.count sample else 0
        let atomProbs = Array.zeroCreate (natoms * classes)
        let atomMi = Array.zeroCreate natoms
        let atomBoxes = Array.zeroCreate natoms
        let mutable tExtract, tDesc, tNet = 0.0, 0.0, 0.0
        let mutable finished = 0
        use next = order.GetEnumerator()

        while not cancel.IsCancellationRequested && next.MoveNext() do
            let c = next.Current
            let first = c * chunkSize
            let count = min chunkSize (n - first)
            let sw = Diagnostics.Stopwatch.StartNew()
            // atoms of every box of the chunk
            let members = Array.zeroCreate count
            let boxes = Array.zeroCreate count

            Parallel.For(
                0,
                count,
                (fun () -> NeighbourBuffer()),
                (fun b _ (buf: NeighbourBuffer) ->
                    let idx, pos = SpmGrid.atomsInBox cells grid (centreOf grid (first + b)) buf
                    members.[b] <- idx
                    boxes.[b] <- Structure.cluster pos (idx |> Array.map (fun i -> sample.Numbers.[i]))
                    buf),
                ignore
            )
            |> ignore

            tExtract <- tExtract + sw.Elapsed.TotalSeconds

            let chunk =
                match reuse c first count with
                | Some ch -> ch
                | None ->
                    let ch, d, t =
                        classifyChunk pipeline samples seed settings.MinAtoms c first members boxes

                    tDesc <- tDesc + d
                    tNet <- tNet + t
                    computed ch
                    ch

            if maps then
                place chunk classes widths arrays

            if means then
                // per-atom sums, from the chunk's arrays (box b of the chunk)
                for b in 0 .. count - 1 do
                    if chunk.Argmax.[b] >= 0 then
                        addBox atomProbs atomMi atomBoxes classes members.[b] b chunk.Probabilities chunk.MutualInformation

            finished <- finished + count
            progress finished n

        if means then
            normalise atomProbs atomMi atomBoxes classes

        { Grid = grid
          Classes = meta.Classes
          MaterialTypes = meta.MaterialTypes
          Centres = if maps then centresOf grid else [||]
          Atoms = atoms
          Probabilities = probs
          MutualInformation = mi
          Argmax = argmax
          Hidden = hidden
          AtomProbabilities = atomProbs
          AtomMutualInformation = atomMi
          AtomBoxes = atomBoxes },
        { Extraction = tExtract
          Descriptors = tDesc
          Network = tNet }

    let scan pipeline samples seed settings grid sample reuse computed progress cancel =
        scanWith
            Kept.MapsAndMeans
            (seq { 0 .. chunkCount grid - 1 })
            pipeline
            samples
            seed
            settings
            grid
            sample
            reuse
            computed
            progress
            cancel

    /// Chunks of this run already in `chunkDir` (0 when the folder holds another run's, or none).
    let storedChunks (chunkDir: string) (stamp: string) =
        match RunStore.tryStamp chunkDir "run.sha256" with
        | Some s when s = stamp -> Directory.GetFiles(chunkDir, "chunk_*.npz").Length
        | _ -> 0

    /// The store of a run in `dir` (fingerprint `stamp`): chunks read back when whole and of this run, and written.
    let private store (model: Model) (dir: string) (stamp: string) =
        let classes = model.Metadata.Classes.Length
        let widths = hiddenWidths model

        (fun c first count -> tryLoadChunk dir stamp c first count classes widths),
        (fun (ch: SpmChunk) -> RunStore.savePart (chunkFile dir ch.Index) stamp ch.Index (chunkArrays ch classes widths))

    let claim
        (pipeline: Pipeline)
        (samples: int)
        (seed: int)
        (settings: SpmSettings)
        (grid: SpmGrid)
        (sample: Structure)
        (chunkDir: string)
        =
        let stamp = fingerprint pipeline.Model samples seed settings grid sample

        RunStore.claim chunkDir "run.sha256" stamp (RunStore.Foreign.Replace "chunk_*.npz")
        |> ignore

        stamp

    /// The scan over every chunk (per-atom means when `means`), with a run store when `chunkDir` is given (run).
    let private runWith
        (means: bool)
        (pipeline: Pipeline)
        (samples: int)
        (seed: int)
        (settings: SpmSettings)
        (grid: SpmGrid)
        (sample: Structure)
        (chunkDir: string option)
        (progress: int -> int -> unit)
        (cancel: CancellationToken)
        : SpmResult * SpmTiming =
        let reuse, computed =
            match chunkDir with
            | None -> (fun _ _ _ -> None), ignore
            | Some dir -> store pipeline.Model dir (claim pipeline samples seed settings grid sample dir)

        let kept = if means then Kept.MapsAndMeans else Kept.Maps
        scanWith kept (seq { 0 .. chunkCount grid - 1 }) pipeline samples seed settings grid sample reuse computed progress cancel

    let run pipeline samples seed settings grid sample chunkDir progress cancel =
        runWith true pipeline samples seed settings grid sample chunkDir progress cancel

    let runMaps pipeline samples seed settings grid sample chunkDir progress cancel =
        runWith false pipeline samples seed settings grid sample chunkDir progress cancel

    /// runPartOf; the chunks it took kept and returned when `keep` (else none).
    let private runPartKeeping
        (keep: bool)
        (pipeline: Pipeline)
        (samples: int)
        (seed: int)
        (settings: SpmSettings)
        (grid: SpmGrid)
        (part: Structure)
        (stamp: string)
        (chunkDir: string)
        (owned: int -> bool)
        (sharing: ChunkSharing)
        (progress: int -> int -> unit)
        (cancel: CancellationToken)
        =
        let reuse, save = store pipeline.Model chunkDir stamp
        // the chunks this process takes, computed or read back, kept for assembleWith
        let held = ResizeArray<SpmChunk>()

        let reuse c first count =
            let ch = reuse c first count

            if keep then
                Option.iter held.Add ch

            ch

        let computed ch =
            save ch

            if keep then
                held.Add ch

        let lent = Collections.Generic.HashSet<int>(sharing.Lent)
        // once one of its lent chunks is another's, so are the rest (taken from the block's end)
        let lending = ref true
        let borrowing = ref true

        let order =
            seq {
                for c in 0 .. chunkCount grid - 1 do
                    if owned c then
                        if not (lent.Contains c) then
                            yield c
                        elif lending.Value then
                            if sharing.Claim c then yield c else lending.Value <- false

                for c in sharing.Borrowed do
                    if borrowing.Value then
                        if sharing.Claim c then
                            yield c
                        else
                            borrowing.Value <- false
            }

        let _, timing =
            scanWith Kept.Timing order pipeline samples seed settings grid part reuse computed progress cancel

        timing, held.ToArray()

    let runPartOf pipeline samples seed settings grid part stamp chunkDir owned sharing progress cancel =
        runPartKeeping true pipeline samples seed settings grid part stamp chunkDir owned sharing progress cancel

    let runPart
        (pipeline: Pipeline)
        (samples: int)
        (seed: int)
        (settings: SpmSettings)
        (grid: SpmGrid)
        (sample: Structure)
        (chunkDir: string)
        (owned: int -> bool)
        (progress: int -> int -> unit)
        (cancel: CancellationToken)
        =
        let stamp = fingerprint pipeline.Model samples seed settings grid sample

        runPartKeeping false pipeline samples seed settings grid sample stamp chunkDir owned noSharing progress cancel
        |> fst

    let assembleWith (model: Model) (grid: SpmGrid) (chunkDir: string) (stamp: string) (held: SpmChunk[]) =
        let meta = model.Metadata
        let classes = meta.Classes.Length
        let widths = hiddenWidths model
        let arrays = boxArrays grid.Count classes widths
        let atoms, probs, mi, argmax, hidden = arrays
        let placed = Collections.Generic.HashSet<int>()

        for ch in held do
            let count = min chunkSize (grid.Count - ch.First)

            if
                ch.Index < 0
                || ch.Index >= chunkCount grid
                || ch.First <> ch.Index * chunkSize
                || ch.Count <> count
            then
                invalidArg "held" (sprintf "chunk %d does not match the grid's chunks of %d boxes" ch.Index chunkSize)

            place ch classes widths arrays
            placed.Add ch.Index |> ignore

        let rec fill c =
            let first = c * chunkSize

            if c = chunkCount grid then
                Ok()
            elif
                placed.Contains c
                || tryReadChunk chunkDir stamp c (min chunkSize (grid.Count - first)) classes widths arrays first
            then
                fill (c + 1)
            else
                Error(sprintf "chunk %d of the run is missing or damaged in %s (run again to compute it)" c chunkDir)

        fill 0
        |> Result.map (fun () ->
            { Grid = grid
              Classes = meta.Classes
              MaterialTypes = meta.MaterialTypes
              Centres = centresOf grid
              Atoms = atoms
              Probabilities = probs
              MutualInformation = mi
              Argmax = argmax
              Hidden = hidden
              AtomProbabilities = [||]
              AtomMutualInformation = [||]
              AtomBoxes = [||] })

    let assemble (model: Model) (grid: SpmGrid) (chunkDir: string) (stamp: string) : Result<SpmResult, string> =
        assembleWith model grid chunkDir stamp [||]

    /// The labels of the atoms whose means (probabilities atoms × classes, mutual information, box counts) these are.
    let internal labelsOfMeans (classes: int) (probs: float32[]) (mi: float[]) (boxes: int[]) =
        let n = boxes.Length
        let best = Array.zeroCreate n
        let probability = Array.zeroCreate n

        for a in 0 .. n - 1 do
            if boxes.[a] = 0 then
                best.[a] <- -1
            else
                let k = bestOf probs (a * classes) classes
                best.[a] <- k
                probability.[a] <- float probs.[a * classes + k]

        { Best = best
          Probability = probability
          MutualInformation = mi
          Boxes = boxes }

    /// atomLabels of a sample with periodic axes: the atoms' own cell list, every classified box in order (a box
    /// finds the atoms, and their images, as in the whole sample).
    let private labelsThroughCells (r: SpmResult) (part: Structure) (atoms: int[]) =
        let grid = r.Grid
        let classes = r.Classes.Length
        let held = Structure.select atoms part
        let cells = CellList.build held
        let buffer = NeighbourBuffer()
        let sums = Array.zeroCreate (atoms.Length * classes)
        let miSums = Array.zeroCreate atoms.Length
        let boxes = Array.zeroCreate atoms.Length

        if atoms.Length > 0 then
            for f in 0 .. grid.Count - 1 do
                if r.Argmax.[f] >= 0 then
                    let idx, _ = SpmGrid.atomsInBox cells grid (centreOf grid f) buffer
                    addBox sums miSums boxes classes idx f r.Probabilities r.MutualInformation

        normalise sums miSums boxes classes
        labelsOfMeans classes sums miSums boxes

    /// atomLabels of a sample open along every axis: the boxes of each atom from its position, each tested as
    /// SpmGrid.atomsInBox tests it (x − centre, half-open), in the order of the grid.
    let private labelsOfPositions (r: SpmResult) (part: Structure) (atoms: int[]) =
        let grid = r.Grid
        let classes = r.Classes.Length
        let nx, ny, nz = grid.Shape
        let h = 0.5 * grid.Edge
        let n = atoms.Length
        let best, probability = Array.zeroCreate n, Array.zeroCreate n
        let mi, boxes = Array.zeroCreate n, Array.zeroCreate n

        // a position along an axis of `count`, from a fractional one
        let clamp (count: int) (v: float) =
            int (max 0.0 (min (float (count - 1)) v))

        // the positions along an axis whose boxes may hold coordinate x (one more on each side), each tested exactly

        let span (origin: float) (step: float) (half: float) (count: int) (x: float) =
            if count = 1 || step <= 0.0 then
                0, 0
            else
                clamp count (floor ((x - origin - half) / step) - 1.0), clamp count (ceil ((x - origin + half) / step) + 1.0)

        let inside (origin: float) (step: float) (half: float) (i: int) (x: float) =
            let d = x - (origin + float i * step)
            d >= -half && d < half

        let label (sums: float32[]) (a: int) =
            let p = part.Positions.[atoms.[a]]
            let i0, i1 = span grid.Origin.X grid.Step.X h.X nx p.X
            let j0, j1 = span grid.Origin.Y grid.Step.Y h.Y ny p.Y
            let k0, k1 = span grid.Origin.Z grid.Step.Z h.Z nz p.Z
            Array.Clear sums
            let mutable count = 0
            let mutable miSum = 0.0

            for i in i0..i1 do
                if inside grid.Origin.X grid.Step.X h.X i p.X then
                    for j in j0..j1 do
                        if inside grid.Origin.Y grid.Step.Y h.Y j p.Y then
                            for k in k0..k1 do
                                let f = (i * ny + j) * nz + k

                                if inside grid.Origin.Z grid.Step.Z h.Z k p.Z && r.Argmax.[f] >= 0 then
                                    count <- count + 1
                                    miSum <- miSum + r.MutualInformation.[f]

                                    for c in 0 .. classes - 1 do
                                        sums.[c] <- sums.[c] + r.Probabilities.[f * classes + c]

            boxes.[a] <- count

            if count = 0 then
                best.[a] <- -1
                mi.[a] <- nan
            else
                // as normalise and labelsOfMeans do
                meanOf sums 0 classes count
                let b = bestOf sums 0 classes
                best.[a] <- b
                probability.[a] <- float sums.[b]
                mi.[a] <- miSum / float count

        // the atoms taken box by box (by the box nearest each, a counting sort): the boxes' rows are read in order, not
        // at random (an atom's sums do not depend on when it is labelled)
        let nearest (origin: float) (step: float) (count: int) (x: float) =
            if count = 1 || step <= 0.0 then
                0
            else
                clamp count (Math.Round((x - origin) / step))

        let keys =
            atoms
            |> Array.map (fun a ->
                let p = part.Positions.[a]

                (nearest grid.Origin.X grid.Step.X nx p.X * ny
                 + nearest grid.Origin.Y grid.Step.Y ny p.Y)
                * nz
                + nearest grid.Origin.Z grid.Step.Z nz p.Z)

        let starts = Array.zeroCreate (grid.Count + 1)

        for k in keys do
            starts.[k + 1] <- starts.[k + 1] + 1

        for f in 1 .. grid.Count do
            starts.[f] <- starts.[f] + starts.[f - 1]

        let order = Array.zeroCreate n

        for a in 0 .. n - 1 do
            order.[starts.[keys.[a]]] <- a
            starts.[keys.[a]] <- starts.[keys.[a]] + 1

        Parallel.For(
            0,
            (n + 4095) / 4096,
            (fun () -> Array.zeroCreate<float32> classes),
            (fun block _ sums ->
                for t in block * 4096 .. min n (block * 4096 + 4096) - 1 do
                    label sums order.[t]

                sums),
            ignore
        )
        |> ignore

        { Best = best
          Probability = probability
          MutualInformation = mi
          Boxes = boxes }

    let atomLabels (r: SpmResult) (part: Structure) (atoms: int[]) =
        if Structure.isPeriodic part then
            labelsThroughCells r part atoms
        else
            labelsOfPositions r part atoms
