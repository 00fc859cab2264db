namespace Arise.Model

open System
open System.IO
open System.Security.Cryptography
open System.Text
open System.Text.Json

/// The descriptor settings a model was trained with (lengths in d_NN).
type DescriptorSettings =
    {
        Cutoff: float
        Sigma: float
        NMax: int
        LMax: int
        TransitionWidth: float
        CentralWeight: float
        /// The d_NN rule's name (DnnRule.name; read back with DnnRule.parse).
        Dnn: string
        ExtrinsicScale: float
    }

/// How a model was trained.
type TrainingInfo =
    {
        /// SHA-256 of the training descriptors and labels.
        DataHash: string
        Seed: int
        Epochs: int
        BestEpoch: int
        TrainingRows: int
        ValidationRows: int
        TrainingAccuracy: float
        ValidationAccuracy: float
        LearningRate: float
        BatchSize: int
        /// Horizon (epochs) of the moving average of the weights the kept epoch was judged on; 0 = raw weights (also
        /// what files written before this field read as).
        AveragingEpochs: float
        WallSeconds: float
        Created: string
    }

/// Everything a model file holds besides the weights.
type ModelMetadata =
    { Classes: string[]
      MaterialTypes: string[]
      Hidden: int[]
      Inputs: int
      DropoutRate: float
      Descriptor: DescriptorSettings
      Training: TrainingInfo }

/// A trained classifier: network and metadata.
type Model =
    { Network: Network
      Metadata: ModelMetadata }

/// Saving and loading model files: magic, format version, JSON metadata, float32 weights, SHA-256 checksum.
module ModelFile =
    let private magic = "ARISEMDL"B
    /// The format version this build writes and reads.
    let formatVersion = 1

    /// Writes the model (to a temporary file, then moved into place).
    let save (path: string) (m: Model) =
        use ms = new MemoryStream()
        use w = new BinaryWriter(ms)
        w.Write(magic: byte[])
        w.Write(formatVersion: int)

        let json =
            JsonSerializer.SerializeToUtf8Bytes(m.Metadata, JsonSerializerOptions(WriteIndented = true))

        w.Write json.Length
        w.Write json
        w.Write m.Network.Layers.Length

        for l in m.Network.Layers do
            w.Write l.Inputs
            w.Write l.Outputs

            for x in l.Weights do
                w.Write x

            for x in l.Bias do
                w.Write x

        w.Flush()
        let body = ms.ToArray()
        let hash = SHA256.HashData body
        let tmp = path + ".partial"
        File.WriteAllBytes(tmp, Array.append body hash)
        File.Move(tmp, path, true)

    /// Why a model's metadata cannot describe a usable model, or None: class and material-type lists present and of
    /// equal length, layer sizes from 1 to 65,536, dropout in [0, 1), descriptor settings present and in range.
    let validateMetadata (meta: ModelMetadata) : string option =
        let bad = Some

        if isNull (box meta) then
            bad "no metadata"
        elif
            isNull meta.Classes
            || meta.Classes.Length < 2
            || meta.Classes |> Array.exists String.IsNullOrWhiteSpace
        then
            bad "the class list is missing, shorter than 2 or holds an empty name"
        elif isNull meta.MaterialTypes || meta.MaterialTypes.Length <> meta.Classes.Length then
            bad "the material types do not match the classes one for one"
        elif
            isNull meta.Hidden
            || meta.Hidden.Length > 64
            || meta.Hidden |> Array.exists (fun h -> h < 1 || h > 65536)
        then
            bad "hidden layer sizes must be 1 to 65,536, at most 64 layers"
        elif meta.Inputs < 1 || meta.Inputs > 65536 || meta.Classes.Length > 65536 then
            bad (sprintf "%d inputs and %d classes: out of range" meta.Inputs meta.Classes.Length)
        elif not (meta.DropoutRate >= 0.0 && meta.DropoutRate < 1.0) then
            bad (sprintf "dropout rate %g is not in [0, 1)" meta.DropoutRate)
        elif isNull (box meta.Descriptor) then
            bad "no descriptor settings"
        else
            let d = meta.Descriptor

            match Arise.Structure.DnnRule.parse (if isNull d.Dnn then "" else d.Dnn) with
            | Error e -> bad e
            | Ok _ when not (d.Cutoff > 0.0 && d.Cutoff <= 20.0) -> bad (sprintf "cutoff %g d_NN is not in (0, 20]" d.Cutoff)
            | Ok _ when not (d.Sigma > 0.0 && d.Sigma <= 5.0) -> bad (sprintf "sigma %g d_NN is not in (0, 5]" d.Sigma)
            | Ok _ when d.NMax < 1 || d.NMax > 30 || d.LMax < 0 || d.LMax > 30 -> bad "n_max or l_max out of range"
            | Ok _ when not (d.ExtrinsicScale > 0.0 && d.ExtrinsicScale < 100.0) -> bad "extrinsic scale out of range"
            | Ok _ when not (Double.IsFinite d.TransitionWidth && Double.IsFinite d.CentralWeight) -> bad "SOAP weights not finite"
            | Ok _ -> None

    /// Reads the layers of the architecture `sizes` (inputs, hidden…, classes), checking each layer's shape before
    /// reading its weights and that every weight and bias is finite.
    let private readLayers (r: BinaryReader) (sizes: int[]) (remaining: unit -> int) : Result<DenseLayer[], string> =
        let layers = ResizeArray()
        let mutable problem = None
        let mutable k = 0

        while problem.IsNone && k < sizes.Length - 1 do
            let i = r.ReadInt32()
            let o = r.ReadInt32()

            if i <> sizes.[k] || o <> sizes.[k + 1] then
                problem <- Some "layer sizes do not match the architecture in the metadata"
            elif (int64 i * int64 o + int64 o) * 4L > int64 (remaining ()) then
                problem <- Some "truncated"
            else
                let l =
                    { Inputs = i
                      Outputs = o
                      Weights = Array.init (i * o) (fun _ -> r.ReadSingle())
                      Bias = Array.init o (fun _ -> r.ReadSingle()) }

                if not (Array.forall Single.IsFinite l.Weights && Array.forall Single.IsFinite l.Bias) then
                    problem <- Some(sprintf "the weights of layer %d are not all finite (NaN or infinity)" (k + 1))
                else
                    layers.Add l
                    k <- k + 1

        match problem with
        | Some p -> Error p
        | None -> Ok(layers.ToArray())

    /// Reads a model from bytes; `name` is used in error messages.
    let ofBytes (name: string) (bytes: byte[]) : Result<Model, string> =
        let fail m = Error(sprintf "%s: %s" name m)

        if bytes.Length < magic.Length + 4 + 32 then
            fail "not an Arise model file (too short)"
        elif bytes.[.. magic.Length - 1] <> magic then
            fail "not an Arise model file (wrong magic bytes)"
        else
            let version = BitConverter.ToInt32(bytes, magic.Length)

            if version <> formatVersion then
                fail (sprintf "model file format version %d, but this arise reads version %d" version formatVersion)
            else
                let body = bytes.[.. bytes.Length - 33]
                let stored = bytes.[bytes.Length - 32 ..]

                if SHA256.HashData body <> stored then
                    fail "corrupted or truncated (checksum mismatch)"
                else
                    try
                        use r = new BinaryReader(new MemoryStream(body))
                        r.ReadBytes(magic.Length + 4) |> ignore
                        let remaining () = body.Length - int r.BaseStream.Position
                        let jsonLength = r.ReadInt32()

                        if jsonLength < 2 || jsonLength > remaining () then
                            fail (sprintf "damaged (metadata length %d of %d bytes left)" jsonLength (remaining ()))
                        else
                            let meta = JsonSerializer.Deserialize<ModelMetadata>(r.ReadBytes jsonLength)

                            match validateMetadata meta with
                            | Some problem -> fail (sprintf "inconsistent metadata: %s" problem)
                            | None ->
                                let sizes =
                                    Array.concat [ [| meta.Inputs |]; meta.Hidden; [| meta.Classes.Length |] ]

                                let layerCount = r.ReadInt32()

                                if layerCount <> sizes.Length - 1 then
                                    fail (sprintf "%d layers, but the metadata describes %d" layerCount (sizes.Length - 1))
                                else
                                    readLayers r sizes remaining
                                    |> Result.mapError (fun e -> sprintf "%s: %s" name e)
                                    |> Result.map (fun layers ->
                                        { Network =
                                            { Architecture =
                                                { Inputs = meta.Inputs
                                                  Hidden = meta.Hidden
                                                  Classes = meta.Classes.Length
                                                  DropoutRate = meta.DropoutRate }
                                              Layers = layers }
                                          Metadata = meta })
                    with
                    | :? EndOfStreamException -> fail "truncated"
                    | :? JsonException as e -> fail (sprintf "unreadable metadata (%s)" e.Message)
                    | :? ArgumentException
                    | :? OutOfMemoryException
                    | :? OverflowException as e -> fail (sprintf "damaged (%s)" e.Message)

    /// Reads a model file.
    let load (path: string) : Result<Model, string> =
        if not (File.Exists path) then
            Error(sprintf "%s: no such model file" path)
        else
            try
                ofBytes path (File.ReadAllBytes path)
            with :? IOException as e ->
                Error(sprintf "%s: %s" path e.Message)
