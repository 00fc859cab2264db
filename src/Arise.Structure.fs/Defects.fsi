/// Defects of the paper's robustness study: random displacements and vacancies, seeded and reproducible.
module Arise.Structure.Defects

/// Displaces every atom by a vector whose Cartesian components are drawn uniformly from
/// [−amplitude, +amplitude] (same unit as the positions; the paper uses amplitude = δ·d_NN). Same seed, same result.
val displace: seed: int -> amplitude: float -> s: Arise.Structure.Structure -> Arise.Structure.Structure

/// Displacements of δ·d_NN (δ as a fraction, e.g. 0.01 for 1 %).
val displaceRelative: seed: int -> delta: float -> dnn: float -> s: Arise.Structure.Structure -> Arise.Structure.Structure

/// Removes int(η·N) atoms (rounded down, as ai4materials' create_vacancies), chosen uniformly at random without
/// replacement (η in [0, 1)), keeping the order of the rest.
val removeFraction: seed: int -> eta: float -> s: Arise.Structure.Structure -> Arise.Structure.Structure

/// Vacancies (fraction η) then displacements (δ·d_NN), with independent streams derived from one seed.
val combined: seed: int -> eta: float -> delta: float -> dnn: float -> s: Arise.Structure.Structure -> Arise.Structure.Structure

/// Version of the defective structures `removeFraction` and `tableLevel` make, for caches of their descriptors: 2 since
/// vacancies remove int(η·N) atoms (1 rounded η·N to nearest).
val protocolVersion: int

/// The defects of the Table 1 protocol (scripts/table1.fsx, arise benchmark, the training selection set): a fraction
/// η of the atoms removed (seeded by `seed`) when η > 0, then displacements of up to δ·d_NN (seeded by seed + 1) when
/// δ > 0.
val tableLevel: seed: int -> eta: float -> delta: float -> dnn: float -> s: Arise.Structure.Structure -> Arise.Structure.Structure
