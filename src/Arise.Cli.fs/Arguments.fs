/// The verbs and options of the `arise` command line (Argu templates with their usage texts).
module Arise.Cli.Arguments

open Argu
open Arise

/// Usage texts of the options every structure-reading verb has.
module internal Usage =
    let engine =
        "where the network runs: cpu (default; the managed engine), gpu (an NVIDIA GPU through CUDA; an error when there is \
         none), auto (the GPU when one is found, else cpu) or ilgpu-cpu (the GPU kernels on ILGPU's CPU accelerator; slow, \
         for checks). The engine's name is printed on stderr."

    let format =
        "read every file in this format instead of guessing from the extension (xyz, aims, poscar, cif, lammps-data, lammps-dump, \
         pos, epos, apt)."

    let types = "LAMMPS atom types as elements, e.g. 1=Ni,2=Al."

    let pixelSize =
        "images: Å per pixel (default: the file's calibration (.dm3/.dm4/.emd), else positions stay in pixels)."

    let columnSpacing =
        "images: distance between neighbouring atom columns in pixels (default: from the image's autocorrelation)."

    let columnSize =
        "images: column (probe) standard deviation in pixels (default: from the image's autocorrelation)."

    let ranges =
        "atom-probe reconstructions (.pos, .epos, .apt): the range file (.rrng or .rng) that names the species."

    let keepUnranged =
        "atom probe: keep ions outside every range as an unknown species X (default: dropped)."

    let splitMolecular =
        "atom probe: put each atom of a molecular ion (FeO, …) at the ion's position, 0.05 Å apart (default: dropped)."

    let species =
        "images: elements of the atom columns, from dim to bright (e.g. C,Si: two intensity classes; default C, one class)."

    let oneSpecies =
        "read every atom as one species (the most common element): for atom columns found in an image, whose chemistry \
         is not reliable."

/// Options of `info`.
type InfoArgs =
    | [<MainCommand>] Files of path: string list
    | Recursive
    | Json
    | Jsonl
    | Csv
    | Format of name: string
    | Types of map: string

    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Csv ->
                "CSV: one row per file (file, atoms, frames, formula, species, a, b, c (Å), alpha, beta, gamma (°), periodic, \
                 dnn (Å), error)."
            | Recursive -> "a folder also stands for the structure files in its subfolders, at any depth (hidden ones left out)."
            | Files _ ->
                "structure files (xyz/extxyz, FHI-aims .in, POSCAR, CIF, LAMMPS data/dump) or folders of them (the files directly inside, \
                    by extension); none: the embedded sample."
            | Json -> "print a JSON array, one object per file (file, atoms, species, formula, cell, periodic, dnn, error)."
            | Jsonl -> "print the objects of --json as JSON Lines (one object a line, no array around them)."
            | Format _ -> Usage.format
            | Types _ -> Usage.types

/// Options of `descriptor`.
type DescriptorArgs =
    | [<MainCommand>] Files of path: string list
    | Recursive
    | Json
    | Jsonl
    | Csv
    | Cutoff of rc: float
    | Sigma of sigma: float
    | Dnn of rule: string
    | Extrinsic_Scale of factor: float
    | Format of name: string
    | Pixel_Size of angstrom: float
    | Column_Spacing of pixels: float
    | Column_Size of pixels: float
    | Species of elements: string
    | One_Species
    | Types of map: string

    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Recursive -> "a folder also stands for the structure files in its subfolders, at any depth (hidden ones left out)."
            | Files _ -> "structure files or folders of them; none: the embedded sample."
            | Json -> "print a JSON array, one object per file: descriptor (316 numbers), dnn (per species pair), error."
            | Csv -> "CSV: one row per file (file, error, then the 316 components x0 … x315)."
            | Jsonl -> "print the objects of --json as JSON Lines (one object a line, no array around them)."
            | Cutoff _ ->
                sprintf "SOAP cutoff R_C in units of d_NN (default %g; training range 3.0-5.0)." Soap.AriseDescriptor.defaults.Soap.Cutoff
            | Sigma _ ->
                sprintf
                    "atom Gaussian width sigma in units of d_NN (default %g; training values 0.08, 0.1, 0.12)."
                    Soap.AriseDescriptor.defaults.Soap.AtomSigma
            | Dnn _ ->
                "d_NN rule (default: the embedded model's, arise-vacancy-tolerant): arise (the paper's histogram rule, as the \
                    reference descriptors), arise-vacancy-tolerant (the same, leaving out atoms of a periodic structure whose \
                    whole first shell is missing), arise-smoothed \
                    (vacancy-tolerant, the histogram's peak chosen after 1 % Gaussian smoothing; experimental) or clean (most common \
                    distance)."
            | Extrinsic_Scale _ ->
                sprintf
                    "divide the structure by this factor times d_NN (default %g; training 0.95, 1.0, 1.05)."
                    Soap.AriseDescriptor.defaults.ExtrinsicScale
            | Format _ -> Usage.format
            | Pixel_Size _ -> Usage.pixelSize
            | Column_Spacing _ -> Usage.columnSpacing
            | Column_Size _ -> Usage.columnSize
            | Species _ -> Usage.species
            | One_Species -> Usage.oneSpecies
            | Types _ -> Usage.types

/// Options of `classify`.
type ClassifyArgs =
    | [<MainCommand>] Files of path: string list
    | Recursive
    | Top of k: int
    | Samples of t: int
    | Seed of seed: int
    | Model of file: string
    | Engine of name: string
    | Json
    | Jsonl
    | Csv
    | Format of name: string
    | Pixel_Size of angstrom: float
    | Column_Spacing of pixels: float
    | Column_Size of pixels: float
    | Species of elements: string
    | Ranges of file: string
    | Keep_Unranged
    | Split_Molecular
    | One_Species
    | Types of map: string

    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Recursive -> "a folder also stands for the structure files in its subfolders, at any depth (hidden ones left out)."
            | Files _ ->
                "structure files or folders of them (the files directly inside, by extension, in ordinal name order); none: the embedded \
                    sample (a defective fcc Cu cluster)."
            | Top _ -> sprintf "how many classes to show per file (default %d)." Defaults.Top
            | Samples _ -> sprintf "Monte Carlo dropout passes T (default %d)." Defaults.Samples
            | Seed _ -> sprintf "seed of the dropout masks (default %d)." Defaults.Seed
            | Model _ -> "model file (default: the embedded 108-class model)."
            | Engine _ -> Usage.engine
            | Jsonl -> "print the objects of --json as JSON Lines (one object a line, no array around them)."
            | Json ->
                "a JSON array, one object per file: file, atoms, top [{class, type, probability}], mutual_information, uncertainty (low, \
                    moderate, \
                    high, very high), entropy, error."
            | Csv -> "CSV: one row per file and rank."
            | Format _ -> Usage.format
            | Pixel_Size _ -> Usage.pixelSize
            | Column_Spacing _ -> Usage.columnSpacing
            | Column_Size _ -> Usage.columnSize
            | Species _ -> Usage.species
            | Ranges _ -> Usage.ranges
            | Keep_Unranged -> Usage.keepUnranged
            | Split_Molecular -> Usage.splitMolecular
            | One_Species -> Usage.oneSpecies
            | Types _ -> Usage.types

/// Which structures choose the kept epoch of `train`.
type SelectionKind =
    | Table1
    | Paper
    | Off

/// How the defective selection structures count in the score of an epoch.
type SelectionScoreKind =
    | Pooled
    | Per_Level

/// Options of `train`.
type TrainArgs =
    | Prototypes of dir: string
    | [<Mandatory>] Out of file: string
    | Epochs of n: int
    | Patience of n: int
    | Seed of seed: int
    | Learning_Rate of rate: float
    | Batch_Size of n: int
    | Dropout of rate: float
    | Hidden of sizes: string
    | Selection of kind: SelectionKind
    | Selection_Realizations of n: int
    | Selection_Score of how: SelectionScoreKind
    | Averaging of epochs: float
    | From of model: string
    | Known of path: string
    | Engine of name: string

    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Prototypes _ ->
                "prototype library: DIR/<material type>/<class>/<geometry file> (default: the data release, \
                $ARISE_SHARED_DATA/prototypes or shared/data/prototypes found above the current folder)."
            | Out _ -> "model file to write (the descriptors are cached in FILE.cache, the training set saved as FILE.training-set.npz)."
            | Epochs _ -> "maximum epochs (default 300)."
            | Patience _ ->
                "stop after this many epochs without a better score (validation, and selection structures; default 80; 0 = never)."
            | Seed _ -> "seed of the split, initial weights and dropout (default 42)."
            | Learning_Rate _ -> "Adam learning rate (default 2.16e-4, the paper's)."
            | Batch_Size _ -> "batch size (default 64)."
            | Dropout _ -> "dropout rate on the input and after each hidden layer, also at prediction (default 0.0317, the paper's)."
            | Hidden _ -> "hidden layer sizes, comma-separated (default 256,512,256, the paper's)."
            | Selection _ ->
                "which structures choose the kept epoch besides the validation split: table1 = the pristine structures and defective ones \
                    at all 20 defect levels of Table 1 (default; realisations apart from table1.fsx's); paper = pristine and the paper's \
                    six low levels (δ 0.1, 0.6 %; η 1, 5 %; both); off = validation accuracy only."
            | Selection_Realizations _ -> "random realisations per test structure and defect level in the selection (default 1)."
            | Selection_Score _ ->
                "how the defective selection structures count: per-level = mean over the defect levels of −ln(error rate), so \
                    halving the misses at any level counts the same; pooled = accuracy over all of them, dominated by the large \
                    displacements (default)."
            | Averaging _ ->
                "judge and keep a moving average of the weights over about this many epochs instead of the raw weights (default 0 = off)."
            | From _ ->
                "add the classes of --prototypes to this model (a file, or 'embedded'): start from its weights with a wider \
                    output layer and train on its classes' data and theirs (its hidden sizes, dropout and seed; default 60 epochs)."
            | Known _ ->
                "with --from: the model's own training data, the library it was trained on or its .training-set.npz (default: \
                    FROM.training-set.npz, the data release for 'embedded', else --prototypes)."
            | Engine _ -> Usage.engine

/// Options of `evaluate`.
type EvaluateArgs =
    | Model of file: string
    | Engine of name: string
    | Prototypes of dir: string
    | Samples of t: int
    | Json
    | Jsonl
    | Csv

    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Json -> "print a JSON array, one object per material type and one for all: type, structures, correct, accuracy (%)."
            | Jsonl -> "print the objects of --json as JSON Lines (one object a line, no array around them)."
            | Csv -> "CSV: one row per material type and one for all (type, structures, correct, accuracy)."
            | Model _ -> "model file (default: the embedded model)."
            | Engine _ -> Usage.engine
            | Prototypes _ ->
                "prototype library to test on (periodic cells and finite supercells, pristine) (default: the data release, \
                $ARISE_SHARED_DATA/prototypes or shared/data/prototypes found above the current folder)."
            | Samples _ -> sprintf "Monte Carlo dropout passes T (default %d)." Defaults.SpmSamples

/// Options of `spm`.
type SpmArgs =
    | [<MainCommand; Mandatory>] File of path: string list
    | [<Mandatory>] Out of dir: string
    | Box of edge: float
    | Stride of step: float
    | Mode of mode: string
    | Samples of t: int
    | Min_Atoms of n: int
    | Grid of layout: string
    | Model of file: string
    | Engine of name: string
    | Format of name: string
    | Pixel_Size of angstrom: float
    | Column_Spacing of pixels: float
    | Column_Size of pixels: float
    | Species of elements: string
    | Ranges of file: string
    | Keep_Unranged
    | Split_Molecular
    | One_Species
    | Types of map: string
    | Shells of width: float

    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Shells _ ->
                "also the mutual information in spherical shells of this width (Å) around the sample's centre: shells.csv, \
                 shells.html and a table (for bulk maps of a particle)."
            | File _ -> "the sample (a polycrystal, a nanoparticle, STEM coordinates...)."
            | Out _ -> "output folder: spm.npz, boxes.csv, atoms.xyz (per-atom labels), map_*.html; chunks/ for resuming."
            | Box _ ->
                sprintf
                    "box edge in the sample's length unit (default %g; paper: 16 Å slabs, 12 Å nanoparticles, 100 px STEM)."
                    Defaults.Box
            | Stride _ -> sprintf "step between boxes (default %g; paper: 1 Å, 4 px for STEM)." Defaults.Stride
            | Mode _ -> "slab (default: in-plane, box spans the thickness), bulk (3D grid) or rod (along the longest axis)."
            | Samples _ -> sprintf "Monte Carlo dropout passes T per box (default %d)." Defaults.SpmSamples
            | Min_Atoms _ -> sprintf "boxes with fewer atoms are marked empty (default %d; 51 with --grid reference)." Defaults.MinAtoms
            | Grid _ ->
                "inside (default: every box inside the sample) or reference (the reference implementation's grid: padded by a \
                 box on each side, centred on the sample; the paper's Fig. 2 has 7,968 boxes of more than 50 atoms)."
            | Model _ -> "model file (default: the embedded model)."
            | Engine _ -> Usage.engine
            | Format _ -> Usage.format
            | Pixel_Size _ -> Usage.pixelSize
            | Column_Spacing _ -> Usage.columnSpacing
            | Column_Size _ -> Usage.columnSize
            | Species _ -> Usage.species
            | Ranges _ -> Usage.ranges
            | Keep_Unranged -> Usage.keepUnranged
            | Split_Molecular -> Usage.splitMolecular
            | One_Species -> Usage.oneSpecies
            | Types _ -> Usage.types

/// Options of `benchmark`.
type BenchmarkArgs =
    | Prototypes of dir: string
    | Methods of list: string
    | Levels of list: string
    | Realizations of n: int
    | Samples of t: int
    | Out of dir: string
    | Speed
    | Speed_Atoms of n: int
    | Lmp of exe: string

    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Prototypes _ ->
                "the data release's prototypes folder (default: the data release, $ARISE_SHARED_DATA/prototypes or \
                shared/data/prototypes found above the current folder)."
            | Methods _ -> "comma-separated subset of spglib,ptm,cna,acna,baa,arise (default all)."
            | Levels _ ->
                "comma-separated subset of the columns: pristine, d0.1 … d10 (δ %), e1 … e30 (η %), c1-0.1 … c30-10 \
                 (default all 21)."
            | Realizations _ -> "random realisations per defect level (default 2)."
            | Samples _ -> sprintf "ARISE: Monte Carlo dropout samples per structure (default %d)." Defaults.SpmSamples
            | Out _ -> "folder for benchmark.md and benchmark.csv (default benchmark-out)."
            | Speed -> "instead of the table: atoms per second of each method on a 10⁶-atom fcc sample, beside LAMMPS cna/atom."
            | Speed_Atoms _ -> "atoms in the speed sample (default 1000000)."
            | Lmp _ -> "the LAMMPS executable for the speed comparison (default lmp)."

/// Options of `tune`.
type TuneArgs =
    | Prototypes of dir: string
    | Out of file: string
    | Data of file: string
    | Trials of n: int
    | Epochs of n: int
    | Top of k: int
    | Workers of n: int
    | Seed of seed: int
    | Engine of name: string

    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Prototypes _ ->
                "prototype library, DIR/<material type>/<class>/<geometry file>: the training set (unless --data) and the defective \
                    structures of the selection (default: the data release, $ARISE_SHARED_DATA/prototypes or shared/data/prototypes found \
                    above the current folder)."
            | Out _ -> "model file to write, the selected candidate (default tuned.model; trials in tuned.model.trials/)."
            | Data _ -> "training-set file (.npz from arise train) instead of computing the descriptors from --prototypes."
            | Trials _ -> "TPE trials in total, resumed ones included (default 50; the first 20 are random)."
            | Epochs _ -> "maximum epochs per trial; the best epoch's weights are kept (default 50)."
            | Top _ -> "how many of the best candidates are compared on defective structures (default 15, as the paper)."
            | Workers _ -> "trials trained at once (default 1; pending trials are ignored by TPE)."
            | Seed _ -> "seed (default 42)."
            | Engine _ -> Usage.engine

/// Options of `explore`.
type ExploreArgs =
    | [<MainCommand; Mandatory>] File of npz: string list
    | Layer of index: int
    | Min_Cluster_Size of n: int
    | Min_Samples of n: int
    | Threshold of p: float
    | Neighbors of n: int
    | Min_Dist of d: float
    | Filter_Class of name: string
    | No_Umap
    | Normalise
    | Seed of int
    | Out of dir: string
    | Json
    | Jsonl
    | Csv

    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Json ->
                "print a JSON array, one object per cluster (cluster, boxes, share, hard, main_class, main_class_share, \
                 mean_mutual_information; cluster −1: the outliers) instead of the table."
            | Jsonl -> "print the objects of --json as JSON Lines (one object a line, no array around them)."
            | Csv -> "CSV: one row per cluster, the fields of --json."
            | File _ -> "the folder of an arise spm run, or its spm.npz."
            | Layer _ -> "hidden layer, 1 = first (default 1)."
            | Min_Cluster_Size _ ->
                "HDBSCAN min_cluster_size (default: a fourteenth of the boxes explored, 5 to 500; 498 for the 6,979 boxes of the \
                 paper's Fig. 2)."
            | Min_Samples _ -> "HDBSCAN min_samples (default: min_cluster_size)."
            | Threshold _ ->
                sprintf "soft clustering: outlier when every membership is below this (default %g, as the paper)." Defaults.Threshold
            | Neighbors _ -> "UMAP n_neighbors (default: min_cluster_size; the paper: 500 for Fig. 2, 50 for Fig. 4)."
            | Min_Dist _ -> "UMAP min_dist (default 0.1)."
            | Filter_Class _ -> "only boxes classified as this class (e.g. L10)."
            | No_Umap -> "clusters only, no embedding."
            | Normalise -> "scale each activation vector to unit length first."
            | Seed _ -> sprintf "UMAP seed (default %d; reproducible, one thread for the SGD)." Defaults.UmapSeed
            | Out _ -> "folder for clusters.csv and pictures (default: beside the input)."

/// Options of `identify`.
type IdentifyArgs =
    | [<MainCommand>] Files of path: string list
    | Recursive
    | Method of name: string
    | Cutoff of r: float
    | Structures of list: string
    | Rmsd_Cutoff of rmsd: float
    | Per_Atom
    | Out of file: string
    | Format of name: string
    | Types of map: string
    | Json
    | Jsonl
    | Csv

    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Json ->
                "print a JSON array, one object per file: file, method, atoms, labels (share of the atoms per label), vote, \
                 per_atom_file, error (spglib: loose and tight space groups)."
            | Jsonl -> "print the objects of --json as JSON Lines (one object a line, no array around them)."
            | Csv -> "CSV: one row per file and label (file, method, atoms, label, share, vote, error)."
            | Recursive -> "a folder also stands for the structure files in its subfolders, at any depth (hidden ones left out)."
            | Files _ -> "structure files or folders of them; none: the embedded sample."
            | Method _ ->
                "acna (adaptive common neighbour analysis, default), cna (needs --cutoff), baa (bond-angle analysis, Ackland-Jones), ptm \
                    (polyhedral template matching) or spglib (space group, loose and tight)."
            | Cutoff _ -> "CNA cutoff (Å), between the first and second neighbour shells."
            | Structures _ -> "PTM: the templates to try, comma-separated (fcc,hcp,bcc,ico,sc,dcub,dhex,graphene; default all)."
            | Rmsd_Cutoff _ -> "PTM: largest RMSD accepted (dimensionless; default 0.1 as OVITO; 0 = no cutoff)."
            | Per_Atom -> "write per-atom labels (and PTM's RMSD) as extended XYZ, FILE-stem.METHOD.xyz in the current folder."
            | Out _ -> "write the per-atom labels to this extended-XYZ file instead (the N-th input file, N > 1: FILE-stem.N.xyz)."
            | Format _ -> Usage.format
            | Types _ -> Usage.types

/// The verbs.
/// Options of `align`.
type AlignArgs =
    | [<MainCommand; Mandatory>] Files of moving_and_reference: string list
    | Out of file: string
    | Json
    | Format of name: string
    | Types of map: string

    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Files _ -> "MOVING REFERENCE: two structure files; MOVING is moved onto REFERENCE (e.g. two time steps of a particle)."
            | Out _ -> "write MOVING, aligned, as extended XYZ to this file (default: MOVING-aligned.xyz beside MOVING)."
            | Json -> "print a JSON object: rmsd, matched, angle, axis, rotation (row-major), translation, output."
            | Format _ -> Usage.format
            | Types _ -> Usage.types

/// Options of `atoms`.
type AtomsArgs =
    | [<MainCommand; Mandatory>] Images of path: string list
    | Out of path: string
    | Pixel_Size of angstrom: float
    | Column_Spacing of pixels: float
    | Column_Size of pixels: float
    | Threshold of sigmas: float
    | Species of elements: string
    | Json

    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Images _ -> "images of atom columns (.tif/.tiff, .png/.jpg/.bmp, .npy, .dm3/.dm4, .emd; a stack gives its first frame)."
            | Out _ -> "where to write: a folder (default: the current one) for IMAGE.xyz each, or, for one image, a file ending in .xyz."
            | Pixel_Size _ -> Usage.pixelSize
            | Column_Spacing _ -> Usage.columnSpacing
            | Column_Size _ -> Usage.columnSize
            | Threshold _ -> "a column's peak must exceed this many standard deviations of the smoothed noise (default 5)."
            | Species _ -> Usage.species
            | Json -> "print a JSON array, one object per image (image, output, columns, spacing, size, noise, classes, error)."

type Verb =
    | [<CliPrefix(CliPrefix.None)>] Identify of ParseResults<IdentifyArgs>
    | [<CliPrefix(CliPrefix.None)>] Explore of ParseResults<ExploreArgs>
    | [<CliPrefix(CliPrefix.None)>] Tune of ParseResults<TuneArgs>
    | [<CliPrefix(CliPrefix.None)>] Benchmark of ParseResults<BenchmarkArgs>
    | [<CliPrefix(CliPrefix.None)>] Spm of ParseResults<SpmArgs>
    | [<CliPrefix(CliPrefix.None)>] Classify of ParseResults<ClassifyArgs>
    | [<CliPrefix(CliPrefix.None)>] Train of ParseResults<TrainArgs>
    | [<CliPrefix(CliPrefix.None)>] Evaluate of ParseResults<EvaluateArgs>
    | [<CliPrefix(CliPrefix.None)>] Info of ParseResults<InfoArgs>
    | [<CliPrefix(CliPrefix.None)>] Descriptor of ParseResults<DescriptorArgs>
    | [<CliPrefix(CliPrefix.None)>] Atoms of ParseResults<AtomsArgs>
    | [<CliPrefix(CliPrefix.None)>] Align of ParseResults<AlignArgs>
    | Version

    interface IArgParserTemplate with
        member v.Usage =
            match v with
            | Identify _ ->
                "classical identification: adaptive CNA, CNA, bond-angle analysis or polyhedral template matching per atom (fcc, hcp, \
                    bcc, ico, …), or spglib space groups."
            | Explore _ -> "HDBSCAN with soft clustering and UMAP of the network's hidden representations of SPM boxes."
            | Benchmark _ ->
                "the paper's Table 1 for every method (spglib, PTM, CNA, a-CNA, BAA, ARISE) with the paper's numbers beside ours; --speed \
                    for atoms per second."
            | Tune _ -> "hyperparameter search (TPE) and selection of the most robust candidate on defective structures."
            | Spm _ -> "strided pattern matching: maps of class probability and uncertainty over a polycrystal, per-atom labels."
            | Classify _ -> "recognise the crystal structure: top classes with probabilities and the mutual information (uncertainty)."
            | Train _ -> "train a model on a prototype library (descriptors, 80/20 split, Adam, best validation weights)."
            | Evaluate _ -> "accuracy of a model on the pristine structures of a prototype library."
            | Descriptor _ -> "the averaged-SOAP ARISE descriptor (316 numbers) and the per-pair d_NN used."
            | Info _ -> "summarise structures: atoms, species, cell, periodicity, nearest-neighbour distance d_NN, formula."
            | Align _ -> "rigid alignment of two structures (a particle at two times): rotation, translation and RMSD of the matched atoms."
            | Atoms _ -> "find the atom columns of STEM images and write them as extended XYZ (positions in Å or px, per-atom intensity)."
            | Version -> "print the version."
