namespace Arise.Model

open System
open System.IO
open System.Security.Cryptography
open System.Text
open System.Text.Json

/// The descriptor settings a model was trained with (lengths in d_NN).
type DescriptorSettings =
    { Cutoff: float
      Sigma: float
      NMax: int
      LMax: int
      TransitionWidth: float
      CentralWeight: float
      /// The d_NN rule's name (DnnRule.name; read back with DnnRule.parse).
      Dnn: string
      ExtrinsicScale: float }

/// How a model was trained.
type TrainingInfo =
    { /// SHA-256 of the training descriptors and labels.
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
      Created: string }

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
type Model = { Network: Network; Metadata: ModelMetadata }

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
        let json = JsonSerializer.SerializeToUtf8Bytes(m.Metadata, JsonSerializerOptions(WriteIndented = true))
        w.Write json.Length
        w.Write json
        w.Write m.Network.Layers.Length
        for l in m.Network.Layers do
            w.Write l.Inputs
            w.Write l.Outputs
            for x in l.Weights do w.Write x
            for x in l.Bias do w.Write x
        w.Flush()
        let body = ms.ToArray()
        let hash = SHA256.HashData body
        let tmp = path + ".partial"
        File.WriteAllBytes(tmp, Array.append body hash)
        File.Move(tmp, path, true)

    /// Reads a model from bytes; `name` is used in error messages.
    let ofBytes (name: string) (bytes: byte[]) : Result<Model, string> =
        let fail m = Error(sprintf "%s: %s" name m)
        if bytes.Length < magic.Length + 4 + 32 then fail "not an Arise model file (too short)"
        elif bytes.[.. magic.Length - 1] <> magic then fail "not an Arise model file (wrong magic bytes)"
        else
            let version = BitConverter.ToInt32(bytes, magic.Length)
            if version <> formatVersion then
                fail (sprintf "model file format version %d, but this arise reads version %d" version formatVersion)
            else
                let body = bytes.[.. bytes.Length - 33]
                let stored = bytes.[bytes.Length - 32 ..]
                if SHA256.HashData body <> stored then fail "corrupted or truncated (checksum mismatch)"
                else
                    try
                        use r = new BinaryReader(new MemoryStream(body))
                        r.ReadBytes(magic.Length + 4) |> ignore
                        let jsonLength = r.ReadInt32()
                        let meta = JsonSerializer.Deserialize<ModelMetadata>(r.ReadBytes jsonLength)
                        let layerCount = r.ReadInt32()
                        let layers =
                            Array.init layerCount (fun _ ->
                                let i = r.ReadInt32()
                                let o = r.ReadInt32()
                                { Inputs = i
                                  Outputs = o
                                  Weights = Array.init (i * o) (fun _ -> r.ReadSingle())
                                  Bias = Array.init o (fun _ -> r.ReadSingle()) })
                        let arch =
                            { Inputs = meta.Inputs
                              Hidden = meta.Hidden
                              Classes = meta.Classes.Length
                              DropoutRate = meta.DropoutRate }
                        let sizes = Array.concat [ [| arch.Inputs |]; arch.Hidden; [| arch.Classes |] ]
                        let consistent =
                            layers.Length = sizes.Length - 1
                            && layers |> Array.mapi (fun k l -> l.Inputs = sizes.[k] && l.Outputs = sizes.[k + 1]) |> Array.forall id
                        if not consistent then fail "layer sizes do not match the architecture in the metadata"
                        else Ok { Network = { Architecture = arch; Layers = layers }; Metadata = meta }
                    with
                    | :? EndOfStreamException -> fail "truncated"
                    | :? JsonException as e -> fail (sprintf "unreadable metadata (%s)" e.Message)

    /// Reads a model file.
    let load (path: string) : Result<Model, string> =
        if not (File.Exists path) then Error(sprintf "%s: no such model file" path)
        else
            try ofBytes path (File.ReadAllBytes path)
            with :? IOException as e -> Error(sprintf "%s: %s" path e.Message)
