/// Atom-probe tomography (APT) reconstructions: .pos (x, y, z in nm and mass-to-charge in Da, big-endian float32),
/// .epos (the same with time of flight, voltages, detector position and multiplicity: 44 bytes an ion) and .apt
/// (APSuite 6: little-endian sections, Position and Mass used), with range
/// files that map mass-to-charge to species: .rrng (IVAS) and .rng (Oak Ridge). Positions become Å. A synthetic
/// builder makes such data from our own structures (random detection, anisotropic reconstruction noise).
module Arise.Structure.Formats.AtomProbe

/// A mass-to-charge range [Low, High) (Da) and the ion it stands for: elements with counts (FeO: Fe 1, O 1).
type Range =
    { Low: float
      High: float
      Ion: (int * int) list }

/// What to do with ions outside every range, and with molecular ions (more than one atom).
type Mapping =
    {
        /// Keep unranged ions as an unknown species (atomic number 0, "X") instead of dropping them.
        KeepUnranged: bool

        /// Put each atom of a molecular ion at the ion's position (spread by 0.05 Å along x so that they do not
        /// coincide) instead of dropping the ion.
        SplitMolecular: bool
    }

/// Unranged and molecular ions dropped.
val defaults: Mapping

/// Parses an IVAS .rrng range file ([Ions], [Ranges]: "Range1=low high vol:… Fe:1 O:1 color:…").
val parseRrng: file: string -> text: string -> Result<Range list, Arise.Structure.ReadError>

/// Parses an Oak Ridge .rng range file (ions and colours, then a "-" line naming them, then ". low high 0 1 …").
val parseRng: file: string -> text: string -> Result<Range list, Arise.Structure.ReadError>

/// Reads a range file (.rrng or .rng by its extension). Overlapping ranges are an error naming them.
val readRanges: path: string -> Result<Range list, Arise.Structure.ReadError>

/// Parses .pos (`extended` false) or .epos (`extended` true) bytes into a finite structure of the ranged ions (Å);
/// per-atom "mass_to_charge" (Da). Error for a length that is not a whole number of ions, or non-finite values.
val parseIons:
    mapping: Mapping ->
    ranges: Range list ->
    extended: bool ->
    file: string ->
    bytes: byte array ->
        Result<Arise.Structure.Structure, Arise.Structure.ReadError>

/// Streams a .pos (`extended` false) or .epos file block by block, without holding it: the atoms of the ranged ions
/// that `keep position element` accepts (Å, atomic number; asked of each in file order), as parseIons would make them
/// and in its order. Errors as parseIons.
val internal streamIons:
    mapping: Mapping ->
    ranges: Range list ->
    extended: bool ->
    file: string ->
    keep: (Arise.Structure.Vec3 -> int -> bool) ->
        Result<Arise.Structure.Structure, Arise.Structure.ReadError>

/// The count and bounds (Å: lowest, highest corner) of the atoms that piece k of n of a .pos or .epos file's ions
/// gives (ions ⌊ions·k/n⌋ … ⌊ions·(k+1)/n⌋ − 1), as streamIons makes them: over the n pieces the counts sum to the
/// file's and the bounds span its. Errors as streamIons, except that a piece may give no atom (count 0).
val internal ionsExtent:
    mapping: Mapping ->
    ranges: Range list ->
    extended: bool ->
    file: string ->
    k: int ->
    n: int ->
        Result<int64 * Arise.Structure.Vec3 * Arise.Structure.Vec3, Arise.Structure.ReadError>

/// Parses .apt bytes (APSuite 6 / IVAS 4: a header, then sections; the Position (nm) and Mass (Da) sections of
/// float32 records are used) into a finite structure of the ranged ions (Å), as parseIons. Error for another
/// signature (older IVAS .apt files), a truncated section, missing or mismatched sections.
val parseApt:
    mapping: Mapping ->
    ranges: Range list ->
    file: string ->
    bytes: byte array ->
        Result<Arise.Structure.Structure, Arise.Structure.ReadError>

/// Streams an .apt file (APSuite 6) block by block, without holding it: the atoms of the ranged ions that `keep`
/// accepts, as streamIons. Errors as parseApt.
val internal streamApt:
    mapping: Mapping ->
    ranges: Range list ->
    file: string ->
    keep: (Arise.Structure.Vec3 -> int -> bool) ->
        Result<Arise.Structure.Structure, Arise.Structure.ReadError>

/// ionsExtent for an .apt file (APSuite 6): piece k of n of its Position and Mass sections' records.
val internal aptExtent:
    mapping: Mapping ->
    ranges: Range list ->
    file: string ->
    k: int ->
    n: int ->
        Result<int64 * Arise.Structure.Vec3 * Arise.Structure.Vec3, Arise.Structure.ReadError>

/// Writes ions (x, y, z in nm; mass-to-charge in Da) as .apt (APSuite 6: Position and Mass sections).
val writeApt: path: string -> ions: (float * float * float * float) array -> unit

/// Writes ions (x, y, z in nm; mass-to-charge in Da) as .pos.
val writePos: path: string -> ions: (float * float * float * float) array -> unit

/// Writes ranges as .rrng.
val writeRrng: path: string -> ranges: Range list -> unit

/// A synthetic APT measurement of a structure (positions in Å): each atom detected with probability `efficiency`,
/// its position blurred by Gaussian noise of `lateral` Å along x and y and `depth` Å along z (reconstructions blur more
/// laterally), its mass-to-charge that of its element's most common charge state (2+ for metals, 1+ otherwise).
/// Returns the ions (x, y, z in nm; Da) and the ranges (±0.3 Da); Error when two elements' peaks overlap.
val synthetic:
    seed: int ->
    efficiency: float ->
    lateral: float ->
    depth: float ->
    s: Arise.Structure.Structure ->
        Result<(float * float * float * float) array * Range list, string>
