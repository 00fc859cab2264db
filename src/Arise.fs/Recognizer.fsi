namespace Arise

open System.Runtime.InteropServices

/// Defaults shared by the library face and the command line.
module Defaults =

    /// Monte Carlo dropout passes T for classifying structures.
    [<Literal>]
    val Samples: int = 1000

    /// Monte Carlo dropout passes T per SPM box.
    [<Literal>]
    val SpmSamples: int = 100

    /// Seed of the dropout masks.
    [<Literal>]
    val Seed: int = 1

    /// Classes shown per structure.
    [<Literal>]
    val Top: int = 3

    /// SPM box edge (Å): the paper's 16 Å.
    [<Literal>]
    val Box: float = 16.0

    /// SPM stride (Å): the paper's 1 Å.
    [<Literal>]
    val Stride: float = 1.0

    /// Boxes with fewer atoms are left empty.
    [<Literal>]
    val MinAtoms: int = 10

    /// Soft-clustering threshold: a box is an outlier when all its memberships are below it (paper: 0.1).
    [<Literal>]
    val Threshold: float = 0.1

    /// UMAP seed (a seeded UMAP is reproducible).
    [<Literal>]
    val UmapSeed: int = 42

    /// HDBSCAN's minimum cluster size for `boxes` explored boxes: a fourteenth of them, at least 5 and at most 500
    /// (the paper's 500 for the 6,979 classified boxes of the four-grain slab at stride 1 Å gives 498).
    val minClusterSize: boxes: int -> int

/// The result of HDBSCAN (soft clustering) and UMAP over the hidden-layer activations of an SPM map's boxes.
[<StructuredFormatDisplay("{Display}")>]
type ClusterMap =

    internal new:
        boxes: int array *
        result: Cluster.Exploration.Exploration *
        classOf: (int -> string) *
        miOf: (int -> float) *
        layer: int *
        minClusterSize: int ->
            ClusterMap

    override ToString: unit -> string

    /// The boxes explored (indices into the map's boxes), one per point.
    member Boxes: int array

    /// Soft cluster of each explored box (−1 = outlier), in Boxes order.
    member Clusters: int array

    /// Number of clusters found.
    member Count: int

    /// One line per cluster: size, main predicted class, mean mutual information.
    member Display: string

    /// The 2D UMAP embedding (x, y per box), or empty when UMAP was not run.
    member Embedding: float array array

    /// Hard HDBSCAN labels (−1 = noise).
    member HardLabels: int array

    /// The hidden layer clustered (1 = first).
    member Layer: int

    /// The highest membership probability of each explored box.
    member Membership: float array

    /// HDBSCAN's minimum cluster size used.
    member MinClusterSize: int

    /// Mutual information (nats) of each explored box.
    member MutualInformation: float array

    /// GLOSH outlier scores.
    member OutlierScores: float array

    /// Number of outliers (soft label −1).
    member Outliers: int

    /// The predicted class of each explored box.
    member PredictedClasses: string array

/// A strided-pattern-matching map of a sample: class probabilities and uncertainty box by box.
[<StructuredFormatDisplay("{Display}")>]
type SpmMap =

    internal new:
        result: Spm.SpmResult *
        sample: Structure.Structure *
        settings: Spm.SpmSettings *
        samples: int *
        seconds: float *
        timing: Spm.SpmTiming ->
            SpmMap

    /// Most probable class of box `box`; "empty" for too few atoms, "failed" when its descriptor failed.
    member ClassOf: box: int -> string

    /// HDBSCAN (soft clustering) and a UMAP embedding of hidden layer `layer` (1 = first) over the classified boxes
    /// (only those classified as `filterClass`, when given). `minClusterSize` 0 picks a fourteenth of the boxes (5 to 500);
    /// `neighbors` 0 takes the same number for UMAP; `umap` false skips the embedding.
    member Explore:
        [<Optional; DefaultParameterValue(1)>] layer: int *
        [<Optional; DefaultParameterValue(0)>] minClusterSize: int *
        [<Optional; DefaultParameterValue(0)>] neighbors: int *
        [<Optional; DefaultParameterValue(true)>] umap: bool *
        [<Optional; DefaultParameterValue(null: string)>] filterClass: string *
        [<Optional; DefaultParameterValue(42)>] seed: int ->
            ClusterMap

    /// The atoms inside box `box` as a finite structure, positions relative to the box centre (sample's unit).
    member AtomsIn: box: int -> Structure.Structure

    /// The mutual information in spherical shells of `width` Å (default 2) around the sample's centroid, from the
    /// core out: for bulk maps of a particle (paper Fig. 4). Boxes not classified are left out.
    member Shells: [<Optional; DefaultParameterValue(2.0)>] width: float -> Spm.Shells.Shell array

    /// Mutual information of box `box` (nats; NaN when not classified).
    member MutualInformationOf: box: int -> float

    /// Probability of class `className` in every box (NaN when not classified).
    member ProbabilityOf: className: string -> float array

    /// Writes spm.npz, boxes.csv, atoms.xyz and the HTML maps into `folder` (created when missing); returns the
    /// files written.
    member Save: folder: string -> string array

    override ToString: unit -> string

    /// Box edge (Å, or the sample's unit).
    member Box: float

    /// Number of boxes of the grid.
    member BoxCount: int

    /// Box centres (x, y, z per box).
    member Centres: float array array

    /// Indices of the boxes that were classified (enough atoms, descriptor computed).
    member ClassifiedBoxes: int array

    /// The classes of the map and the share of the classified boxes at each uncertainty level.
    member Display: string

    /// "slab", "bulk" or "rod".
    member Mode: string

    /// Everything the run produced, box by box (F#: the Arise.Spm record).
    member Result: Spm.SpmResult

    /// The sample mapped.
    member Sample: Structure.Structure

    /// Monte Carlo dropout passes T per box.
    member Samples: int

    /// Wall time of the run (s).
    member Seconds: float

    /// Time spent finding the boxes' atoms, computing descriptors and in the network (s; chunks read back from a
    /// folder cost none).
    member Timing: Spm.SpmTiming

    /// Stride (Å, or the sample's unit).
    member Stride: float

    /// The classes of the classified boxes, most frequent first.
    member Summary: ClassShare array

/// Recognises crystal structures with a trained ARISE model: averaged SOAP descriptor, then a Bayesian network with
/// Monte Carlo dropout giving class probabilities and the mutual information as uncertainty. Built once (descriptor
/// settings checked, SOAP calculator prepared); safe to use from several threads.
[<Sealed>]
type Recognizer =

    private new: pipeline: Model.Pipeline * name: string * calibrated: bool -> Recognizer

    /// A recognizer for a model file written by `arise train`; raises AriseException when it cannot be read.
    static member Load: path: string -> Recognizer

    /// A recognizer for a model already in memory (F#).
    static member OfModel: model: Model.Model * [<Optional; DefaultParameterValue("model")>] name: string -> Recognizer

    /// Trains a model on a prototype folder (laid out as `arise train` reads it: FOLDER/<material type>/<class>/<one
    /// geometry file>) with the paper's recipe (Adam, 256-512-256, up to 300 epochs, dropout 0.0317; the embedded
    /// model took 0.049); `epochs`
    /// (0: the recipe's), `dropout` (−1: the recipe's) and `seed` override it. Descriptors are cached in `folder` when
    /// given (a rerun reuses them), else in a temporary folder. The kept epoch is the one with the best validation
    /// accuracy (stratified 80/20 split); `arise train` also selects on defective structures. `progress` gets one
    /// line per step. `engine` ("cpu", "gpu", "auto", "ilgpu-cpu": as OnEngine) computes the descriptors and trains,
    /// and the recognizer runs on it. Raises AriseException when no class can be read or the engine is not there.
    static member Train:
        prototypes: string *
        [<Optional; DefaultParameterValue(0)>] epochs: int *
        [<Optional; DefaultParameterValue(-1.0)>] dropout: float *
        [<Optional; DefaultParameterValue(7)>] seed: int *
        [<Optional; DefaultParameterValue(null: string)>] folder: string *
        [<Optional; DefaultParameterValue(null: System.IProgress<string>)>] progress: System.IProgress<string> *
        [<Optional; DefaultParameterValue("cpu")>] engine: string ->
            Recognizer

    /// Adds the classes of a prototype folder (laid out as for Train) that this model lacks: their descriptors are
    /// made as for the 108, the output layer grows by one column per class, and training starts from this model's
    /// weights on its own classes' data and theirs (`arise train --from`; docs/add-classes.md). `known` is this model's
    /// own training data: the folder it was trained on or its .training-set.npz (null: `prototypes` when it holds this
    /// model's classes, else the data release's library). `epochs` (0: 60) and `seed` (−1: the model's, which keeps
    /// its 80/20 split) override the defaults; the kept epoch has the best validation accuracy. Descriptors are cached
    /// in `folder` when given. Descriptors and training run on this recognizer's engine (OnEngine), and so does the
    /// result. Raises AriseException when nothing is new or the data lacks some of this model's classes.
    member AddClasses:
        prototypes: string *
        [<Optional; DefaultParameterValue(null: string)>] known: string *
        [<Optional; DefaultParameterValue(0)>] epochs: int *
        [<Optional; DefaultParameterValue(-1)>] seed: int *
        [<Optional; DefaultParameterValue(null: string)>] folder: string *
        [<Optional; DefaultParameterValue(null: System.IProgress<string>)>] progress: System.IProgress<string> ->
            Recognizer

    /// Writes the model to a file that `Recognizer.Load` and `arise --model` read.
    member Save: path: string -> unit

    /// Classifies one structure: the `top` classes with their probabilities and the mutual information, from T =
    /// `samples` Monte Carlo dropout passes. Its result depends only on the structure, T and `seed`. Raises
    /// AriseException when the structure has no descriptor.
    member Classify:
        structure: Structure.Structure *
        [<Optional; DefaultParameterValue(1000)>] samples: int *
        [<Optional; DefaultParameterValue(1)>] seed: int *
        [<Optional; DefaultParameterValue(3)>] top: int *
        [<Optional; DefaultParameterValue(null: string)>] name: string ->
            Recognition

    /// Reads a structure file (first frame) and classifies it; raises AriseException for a bad file.
    member ClassifyFile:
        path: string *
        [<Optional; DefaultParameterValue(1000)>] samples: int *
        [<Optional; DefaultParameterValue(1)>] seed: int *
        [<Optional; DefaultParameterValue(3)>] top: int ->
            Recognition

    /// Reads and classifies files (the first frame of each); a file that cannot be read or classified gets a
    /// Recognition with Error set, the others go on.
    member ClassifyFiles:
        paths: string array *
        [<Optional; DefaultParameterValue(1000)>] samples: int *
        [<Optional; DefaultParameterValue(1)>] seed: int *
        [<Optional; DefaultParameterValue(3)>] top: int ->
            Recognition array

    /// ClassifyFiles as a task, in batches of 16 files: `progress` gets the fraction done (0–1) after each batch,
    /// and `cancellationToken` stops between batches (the task is then cancelled).
    member ClassifyFilesAsync:
        paths: string array *
        [<Optional; DefaultParameterValue(1000)>] samples: int *
        [<Optional; DefaultParameterValue(1)>] seed: int *
        [<Optional; DefaultParameterValue(3)>] top: int *
        [<Optional; DefaultParameterValue(null: System.IProgress<float>)>] progress: System.IProgress<float> *
        [<Optional>] cancellationToken: System.Threading.CancellationToken ->
            System.Threading.Tasks.Task<Recognition array>

    /// Classifies structures, each on its own (its result does not depend on the others), on all cores; a
    /// structure without descriptor gets a Recognition with Error set, the others go on.
    member ClassifyMany:
        structures: Structure.Structure array *
        [<Optional; DefaultParameterValue(1000)>] samples: int *
        [<Optional; DefaultParameterValue(1)>] seed: int *
        [<Optional; DefaultParameterValue(3)>] top: int *
        [<Optional; DefaultParameterValue(0)>] threads: int ->
            Recognition array

    /// The ARISE descriptor of a structure with the model's settings (316 numbers for the embedded model); raises
    /// AriseException when there is none (a lone atom, overlapping atoms, no neighbour within the cutoff).
    member Describe: structure: Structure.Structure -> float32 array

    /// Hidden-layer pre-activations (dropout off) of descriptors: one array per layer (rows × width), the output
    /// logits last.
    member Hidden: descriptors: float32 array array -> float32 array array

    /// Strided pattern matching: a box of edge `box` moves over the sample in steps of `stride` (Å, or the sample's
    /// unit) — "slab": in plane, spanning the thickness; "bulk": a 3D grid; "rod": along the longest axis — and the
    /// atoms of every box with at least `minAtoms` atoms are classified with T = `samples`. With `folder`, finished
    /// chunks are kept there and an interrupted run resumes.
    member Map:
        sample: Structure.Structure *
        [<Optional; DefaultParameterValue(16.0)>] box: float *
        [<Optional; DefaultParameterValue(1.0)>] stride: float *
        [<Optional; DefaultParameterValue("slab")>] mode: string *
        [<Optional; DefaultParameterValue(100)>] samples: int *
        [<Optional; DefaultParameterValue(10)>] minAtoms: int *
        [<Optional; DefaultParameterValue(null: string)>] folder: string ->
            SpmMap

    /// Map as a task: `progress` gets the fraction of boxes done (0–1) after each chunk of 512 boxes, and
    /// `cancellationToken` stops after the current chunk (the task is then cancelled; with `folder`, a later run
    /// resumes).
    member MapAsync:
        sample: Structure.Structure *
        [<Optional; DefaultParameterValue(16.0)>] box: float *
        [<Optional; DefaultParameterValue(1.0)>] stride: float *
        [<Optional; DefaultParameterValue("slab")>] mode: string *
        [<Optional; DefaultParameterValue(100)>] samples: int *
        [<Optional; DefaultParameterValue(10)>] minAtoms: int *
        [<Optional; DefaultParameterValue(null: string)>] folder: string *
        [<Optional; DefaultParameterValue(null: System.IProgress<float>)>] progress: System.IProgress<float> *
        [<Optional>] cancellationToken: System.Threading.CancellationToken ->
            System.Threading.Tasks.Task<SpmMap>

    /// Predictions for descriptors computed by Describe, classified together (the dropout masks run on through
    /// the batch).
    member Predict:
        descriptors: float32 array array *
        [<Optional; DefaultParameterValue(1000)>] samples: int *
        [<Optional; DefaultParameterValue(1)>] seed: int *
        [<Optional; DefaultParameterValue(3)>] top: int ->
            Recognition array

    /// The class names, in the network's output order.
    member Classes: string array

    /// The material type of each class.
    member MaterialTypes: string array

    /// The trained model (F#).
    member Model: Model.Model

    /// The model's name: its file, or the embedded model's description.
    member Name: string

    /// The pipeline behind it (F#: model, descriptor options, SOAP calculator, engine).
    member Pipeline: Model.Pipeline

    /// The name of the engine that runs the network.
    member Engine: string

    /// The same recognizer with the network on another engine: "cpu" (the managed engine), "gpu" (an NVIDIA GPU
    /// through CUDA), "auto" (the GPU when one is found, else cpu) or "ilgpu-cpu" (the GPU kernels on ILGPU's CPU
    /// accelerator); both engines give the same probabilities up to float rounding. Raises AriseException when the
    /// engine is unknown or not there.
    member OnEngine: engine: string -> Recognizer

    /// The model embedded in this library: 108 prototype classes, trained by us on the paper authors' ideal
    /// structures (models/arise-108.model).
    static member Default: Recognizer
