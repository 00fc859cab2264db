namespace Arise.Model

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
    { Classes: string array
      MaterialTypes: string array
      Hidden: int array
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

    /// The format version this build writes and reads.
    val formatVersion: int

    /// Writes the model (to a temporary file, then moved into place).
    val save: path: string -> m: Model -> unit

    /// Why a model's metadata cannot describe a usable model, or None: class and material-type lists present and of
    /// equal length, layer sizes from 1 to 65,536, dropout in [0, 1), descriptor settings present and in range.
    val validateMetadata: meta: ModelMetadata -> string option

    /// Reads a model from bytes; `name` is used in error messages.
    val ofBytes: name: string -> bytes: byte array -> Result<Model, string>

    /// Reads a model file.
    val load: path: string -> Result<Model, string>
