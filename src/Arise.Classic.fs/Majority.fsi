/// Per-structure labels from per-atom ones.
module Arise.Classic.Majority

/// The most frequent label among the atoms a method identified (`isOther` marks the unidentified ones); None when
/// no atom was identified. Ties go to the label seen first.
val vote: isOther: ('T -> bool) -> labels: 'T array -> 'T option when 'T: equality
