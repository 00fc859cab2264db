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

/// Timing of a run (seconds).
type SpmTiming =
    { Extraction: float
      Descriptors: float
      Network: float }

/// Running strided pattern matching over a sample.
module Spm =
    /// Boxes per chunk: computed together, written together (the unit of resumption).
    let chunkSize = 512

    let private chunkFile (dir: string) (c: int) =
        Path.Combine(dir, sprintf "chunk_%05d.npz" c)

    /// SHA-256 (hex) of named arrays' bytes, in order: what a chunk file carries to be checked on resume.
    let checksum (arrays: (string * Npy.NpyArray) list) =
        use sha =
            Security.Cryptography.IncrementalHash.CreateHash(Security.Cryptography.HashAlgorithmName.SHA256)

        for name, a in arrays do
            sha.AppendData(Text.Encoding.UTF8.GetBytes name)
            sha.AppendData(a.Data)

        Convert.ToHexString(sha.GetHashAndReset())

    /// Whether a chunk file read back belongs to this run (fingerprint `run`, chunk `c`), is whole (its checksum) and
    /// has the shapes of `count` boxes with in-range classes; anything else is recomputed, never used.
    let private validChunk (run: string) (c: int) (count: int) (classes: int) (widths: int[]) (m: Map<string, Npy.NpyArray>) =
        try
            let bytes (key: string) = m.[key].Data.Length

            let keys =
                [ SpmKeys.Atoms
                  SpmKeys.Probabilities
                  SpmKeys.MutualInformation
                  SpmKeys.Argmax ]
                @ [ for h in 1 .. widths.Length -> SpmKeys.hidden h ]

            let arrays = keys |> List.map (fun k -> k, m.[k])

            Npy.asStrings m.[SpmKeys.Run] = [| run; string c |]
            && Npy.asStrings m.[SpmKeys.Checksum] = [| checksum arrays |]
            && bytes SpmKeys.Atoms = 4 * count
            && bytes SpmKeys.Probabilities = 4 * count * classes
            && bytes SpmKeys.MutualInformation = 8 * count
            && bytes SpmKeys.Argmax = 4 * count
            && widths
               |> Array.mapi (fun h w -> bytes (SpmKeys.hidden (h + 1)) = 4 * count * w)
               |> Array.forall id
            && Npy.asInt32 m.[SpmKeys.Argmax] |> Array.forall (fun a -> a >= -2 && a < classes)
        with _ ->
            false

    /// A fingerprint of everything a run's results depend on: the model's weights, T, the seed, the settings and
    /// grid, and the sample's atoms and positions (SHA-256, hex).
    let fingerprint (model: Model) (samples: int) (seed: int) (settings: SpmSettings) (grid: SpmGrid) (sample: Structure) =
        use sha =
            Security.Cryptography.IncrementalHash.CreateHash(Security.Cryptography.HashAlgorithmName.SHA256)

        sha.AppendData(
            Text.Encoding.UTF8.GetBytes(
                sprintf "%s|%d|%d|%A|%A|%d" (Network.weightsHash model.Network) samples seed settings grid (Structure.count sample)
            )
        )

        sha.AppendData(Runtime.InteropServices.MemoryMarshal.AsBytes(ReadOnlySpan(sample.Numbers)))
        let xyz = sample.Positions |> Array.collect Vec3.toArray
        sha.AppendData(Runtime.InteropServices.MemoryMarshal.AsBytes(ReadOnlySpan xyz))
        Convert.ToHexString(sha.GetHashAndReset())

    /// Runs SPM. When `chunkDir` is given, each finished chunk is written there (with the run's fingerprint and a
    /// checksum of its arrays) and chunks already present, whole and of this run, are read back instead of recomputed
    /// (an interrupted run resumes where it stopped); a damaged or foreign chunk is recomputed. Chunks left by a
    /// different run (another model, T, seed, settings or sample: `run.sha256` in the folder) are deleted.
    /// `progress done total`.
    let run
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
        let model = pipeline.Model
        let meta = model.Metadata
        let classes = meta.Classes.Length
        let n = grid.Count
        let nx, ny, nz = grid.Shape

        let centres =
            Array.init n (fun f -> let i, j, k = f / (ny * nz), (f / nz) % ny, f % nz in SpmGrid.centre grid i j k)

        let cells = CellList.build sample

        let widths =
            model.Network.Layers
            |> Array.take (model.Network.Layers.Length - 1)
            |> Array.map (fun l -> l.Outputs)

        let atoms = Array.zeroCreate n
        let probs = Array.create (n * classes) nanf
        let mi = Array.create n nan
        let argmax = Array.create n -1
        let hidden = widths |> Array.map (fun w -> Array.create (n * w) nanf)
        let natoms = Structure.count sample
        let atomProbs = Array.zeroCreate (natoms * classes)
        let atomMi = Array.zeroCreate natoms
        let atomBoxes = Array.zeroCreate natoms
        let mutable tExtract, tDesc, tNet = 0.0, 0.0, 0.0
        let chunks = (n + chunkSize - 1) / chunkSize

        let current =
            match chunkDir with
            | Some _ -> fingerprint model samples seed settings grid sample
            | None -> ""

        chunkDir
        |> Option.iter (fun dir ->
            Directory.CreateDirectory dir |> ignore
            let stamp = Path.Combine(dir, "run.sha256")

            if not (File.Exists stamp && File.ReadAllText(stamp).Trim() = current) then
                for f in Directory.GetFiles(dir, "chunk_*.npz") do
                    File.Delete f

                File.WriteAllText(stamp, current))

        let mutable finished = 0
        let mutable c = 0

        while c < chunks && not cancel.IsCancellationRequested do
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
                    let idx, pos = SpmGrid.atomsInBox cells grid centres.[first + b] buf
                    members.[b] <- idx
                    boxes.[b] <- Structure.cluster pos (idx |> Array.map (fun i -> sample.Numbers.[i]))
                    buf),
                ignore
            )
            |> ignore

            tExtract <- tExtract + sw.Elapsed.TotalSeconds

            let cached =
                match chunkDir with
                | Some dir when File.Exists(chunkFile dir c) ->
                    Npy.readNpz (chunkFile dir c)
                    |> Result.toOption
                    |> Option.filter (validChunk current c count classes widths)
                | _ -> None

            match cached with
            | Some m ->
                Array.blit (Npy.asInt32 m.[SpmKeys.Atoms]) 0 atoms first count
                Array.blit (Npy.asFloat32 m.[SpmKeys.Probabilities]) 0 probs (first * classes) (count * classes)
                Array.blit (Npy.asFloat64 m.[SpmKeys.MutualInformation]) 0 mi first count
                Array.blit (Npy.asInt32 m.[SpmKeys.Argmax]) 0 argmax first count

                hidden
                |> Array.iteri (fun h arr ->
                    Array.blit (Npy.asFloat32 m.[SpmKeys.hidden (h + 1)]) 0 arr (first * widths.[h]) (count * widths.[h]))
            | None ->
                sw.Restart()
                let descriptors = Array.create count None

                Parallel.For(
                    0,
                    count,
                    (fun b ->
                        atoms.[first + b] <- members.[b].Length

                        if members.[b].Length >= max 2 settings.MinAtoms then
                            match Pipeline.describeOn 1 pipeline boxes.[b] with
                            | Ok d -> descriptors.[b] <- Some d
                            | Error _ -> argmax.[first + b] <- -2)
                )
                |> ignore

                tDesc <- tDesc + sw.Elapsed.TotalSeconds
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
                        let f = first + b
                        let p = preds.[r]

                        for k in 0 .. classes - 1 do
                            probs.[f * classes + k] <- float32 p.Probabilities.[k]

                        mi.[f] <- p.MutualInformation
                        argmax.[f] <- Pipeline.argmax p.Probabilities

                        for h in 0 .. widths.Length - 1 do
                            Array.blit hid.[h] (r * widths.[h]) hidden.[h] (f * widths.[h]) widths.[h])

                tNet <- tNet + sw.Elapsed.TotalSeconds

                match chunkDir with
                | Some dir ->
                    let arrays =
                        [ yield SpmKeys.Atoms, Npy.int32Vector atoms.[first .. first + count - 1]
                          yield
                              SpmKeys.Probabilities,
                              Npy.float32Matrix count classes probs.[first * classes .. (first + count) * classes - 1]
                          yield SpmKeys.MutualInformation, Npy.float64Vector mi.[first .. first + count - 1]
                          yield SpmKeys.Argmax, Npy.int32Vector argmax.[first .. first + count - 1]
                          for h in 0 .. widths.Length - 1 ->
                              SpmKeys.hidden (h + 1),
                              Npy.float32Matrix count widths.[h] hidden.[h].[first * widths.[h] .. (first + count) * widths.[h] - 1] ]

                    Npy.writeNpz
                        (chunkFile dir c)
                        (arrays
                         @ [ SpmKeys.Run, Npy.stringVector [| current; string c |]
                             SpmKeys.Checksum, Npy.stringVector [| checksum arrays |] ])
                | None -> ()
            // per-atom sums
            for b in 0 .. count - 1 do
                let f = first + b

                if argmax.[f] >= 0 then
                    for a in members.[b] do
                        atomBoxes.[a] <- atomBoxes.[a] + 1
                        atomMi.[a] <- atomMi.[a] + mi.[f]

                        for k in 0 .. classes - 1 do
                            atomProbs.[a * classes + k] <- atomProbs.[a * classes + k] + probs.[f * classes + k]

            finished <- finished + count
            progress finished n
            c <- c + 1

        for a in 0 .. natoms - 1 do
            if atomBoxes.[a] > 0 then
                let inv = 1.0f / float32 atomBoxes.[a]

                for k in 0 .. classes - 1 do
                    atomProbs.[a * classes + k] <- atomProbs.[a * classes + k] * inv

                atomMi.[a] <- atomMi.[a] / float atomBoxes.[a]
            else
                for k in 0 .. classes - 1 do
                    atomProbs.[a * classes + k] <- nanf

                atomMi.[a] <- nan

        { Grid = grid
          Classes = meta.Classes
          MaterialTypes = meta.MaterialTypes
          Centres = centres
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
