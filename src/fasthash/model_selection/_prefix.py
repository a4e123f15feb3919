# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""Stateless prefixes: the leading pipeline steps that can run once on the whole X.

A step is stateless when its output row i depends only on input row i and on its
parameters (never on other rows, never on a fit): hashing, per-row normalisation and
thresholding, the additive chi2 feature map. The leading stateless steps of a
:class:`~sklearn.pipeline.Pipeline` (its *stateless prefix*) give the same rows whether
they are applied to the whole X once or to each split's rows, so a search applies them once
per distinct setting of their parameters and cross-validates the rest of the pipeline on
their output.
"""

import numpy as np
from sklearn.feature_extraction import FeatureHasher as _SkFeatureHasher
from sklearn.feature_extraction.text import HashingVectorizer as _SkHashingVectorizer
from sklearn.kernel_approximation import AdditiveChi2Sampler
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import Binarizer, FunctionTransformer, Normalizer
from sklearn.utils import get_tags

from fasthash.utils._sklearn_compat import is_sklearn_scorer

__all__ = [
    "is_passthrough",
    "is_trusted_stateless",
    "prefix_key",
    "scoring_is_structure_blind",
    "stateless_prefix_length",
]

# Row-wise by construction. fasthash's HashingVectorizer and FeatureHasher subclass
# scikit-learn's, so isinstance covers them.
_TRUSTED_STATELESS = (
    _SkHashingVectorizer,
    _SkFeatureHasher,
    Normalizer,
    Binarizer,
    AdditiveChi2Sampler,
)
# Tagged ``requires_fit=False`` but NOT row-wise in general: FunctionTransformer applies
# an arbitrary function (``X - X.mean(axis=0)`` mixes rows). (PatchExtractor, also tagged,
# changes the number of rows: the search checks the row count of the prefix's output.)
_UNTRUSTED_STATELESS = (FunctionTransformer,)


def is_passthrough(step):
    """Whether a pipeline step is ``None`` or ``"passthrough"``."""
    return step is None or (isinstance(step, str) and step == "passthrough")


def is_trusted_stateless(step):
    """Whether a pipeline step can be applied once to the whole X instead of per split.

    Trusted: ``"passthrough"``/None, HashingVectorizer, FeatureHasher, Normalizer,
    Binarizer, AdditiveChi2Sampler, and any other transformer whose
    ``__sklearn_tags__().requires_fit`` is False (a transformer that needs no fit has no
    state learnt from other rows; the tag is taken as a promise that rows are transformed
    independently), except FunctionTransformer (an arbitrary function).

    Parameters
    ----------
    step : estimator, None or "passthrough"
        A pipeline step.

    Returns
    -------
    bool

    Examples
    --------
    >>> from sklearn.preprocessing import FunctionTransformer, StandardScaler
    >>> from fasthash import HashingVectorizer
    >>> from fasthash.model_selection._prefix import is_trusted_stateless
    >>> is_trusted_stateless(HashingVectorizer()), is_trusted_stateless(StandardScaler())
    (True, False)
    >>> is_trusted_stateless(FunctionTransformer())
    False
    """
    if is_passthrough(step):
        return True
    if not hasattr(step, "transform") or not hasattr(step, "fit_transform"):
        return False
    if isinstance(step, _UNTRUSTED_STATELESS):
        return False
    if isinstance(step, _TRUSTED_STATELESS):
        return True
    try:
        return get_tags(step).requires_fit is False
    except Exception:  # noqa: BLE001 - a third-party estimator without valid tags
        return False


def stateless_prefix_length(estimator, fit_params=()):
    """Number of leading steps of ``estimator`` computable once on the whole X.

    Parameters
    ----------
    estimator : estimator
        Only a plain :class:`~sklearn.pipeline.Pipeline` (not a subclass, which may slice
        or fit differently, and without ``transform_input``) has a prefix; the last step
        never belongs to it.
    fit_params : iterable of str, default=()
        Names of the fit parameters (``step__param``): a step that receives one is kept
        per split, and so are the steps before it.

    Returns
    -------
    int
        0 when there is no stateless prefix.

    Examples
    --------
    >>> from sklearn.linear_model import SGDClassifier
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import Normalizer
    >>> from fasthash import HashingVectorizer
    >>> from fasthash.model_selection._prefix import stateless_prefix_length
    >>> pipe = make_pipeline(HashingVectorizer(), Normalizer(), SGDClassifier())
    >>> stateless_prefix_length(pipe)
    2
    >>> stateless_prefix_length(pipe, ["normalizer__foo"])
    0
    """
    if type(estimator) is not Pipeline:
        return 0
    if getattr(estimator, "transform_input", None) is not None:
        return 0
    steps = estimator.steps
    k = 0
    while k < len(steps) - 1 and is_trusted_stateless(steps[k][1]):
        k += 1
    if k == 0:
        return 0
    prefix_names = {name for name, _ in steps[:k]}
    if any(key.split("__", 1)[0] in prefix_names for key in fit_params):
        return 0
    return k


def scoring_is_structure_blind(scoring):
    """Whether the scorers of ``scoring`` only use the estimator's public methods.

    ``None`` (the estimator's ``score``), scorer names and scorers made by scikit-learn
    (``make_scorer``, ``get_scorer``) call ``predict``, ``decision_function``,
    ``predict_proba`` or ``score`` on the rows they are given, which a pipeline and its
    suffix applied to its stateless prefix's output answer identically. A user function
    receives the estimator itself and may look inside it.

    Examples
    --------
    >>> from sklearn.metrics import make_scorer, accuracy_score
    >>> from fasthash.model_selection._prefix import scoring_is_structure_blind
    >>> scoring_is_structure_blind(["accuracy", "f1_macro"])
    True
    >>> scoring_is_structure_blind({"acc": make_scorer(accuracy_score)})
    True
    >>> scoring_is_structure_blind(lambda est, X, y: 0.0)
    False
    """
    if scoring is None or isinstance(scoring, str):
        return True
    if isinstance(scoring, (list, tuple, set)):
        return all(isinstance(s, str) for s in scoring)
    if isinstance(scoring, dict):
        return all(isinstance(s, str) or is_sklearn_scorer(s) for s in scoring.values())
    return is_sklearn_scorer(scoring)


def _freeze(value):
    """A hashable stand-in for a parameter value (equal values give equal keys)."""
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, tuple(_freeze(v) for v in value))
    if isinstance(value, dict):
        return ("dict", tuple(sorted((repr(k), _freeze(v)) for k, v in value.items())))
    if isinstance(value, (set, frozenset)):
        return ("set", tuple(sorted(repr(_freeze(v)) for v in value)))
    if isinstance(value, np.ndarray):
        return ("ndarray", value.dtype.str, value.shape, value.tobytes())
    if hasattr(value, "get_params") and not isinstance(value, type):
        params = value.get_params(deep=False)
        return (type(value), tuple(sorted((k, _freeze(v)) for k, v in params.items())))
    try:
        hash(value)
    except TypeError:
        return ("id", id(value))  # unhashable and unknown: never shared
    return (type(value), value)


def prefix_key(estimator, k):
    """Cache key of the first ``k`` steps of a pipeline: their classes and parameters.

    Two pipelines whose first ``k`` steps have equal keys give the same output for them.

    Examples
    --------
    >>> from sklearn.linear_model import SGDClassifier
    >>> from sklearn.pipeline import make_pipeline
    >>> from fasthash import HashingVectorizer
    >>> from fasthash.model_selection._prefix import prefix_key
    >>> a = make_pipeline(HashingVectorizer(), SGDClassifier(alpha=1e-4))
    >>> b = make_pipeline(HashingVectorizer(), SGDClassifier(alpha=1e-5))
    >>> prefix_key(a, 1) == prefix_key(b, 1)
    True
    """
    parts = []
    for name, step in estimator.steps[:k]:
        if step is None or isinstance(step, str):
            parts.append((name, step))
        else:
            parts.append((name, type(step), _freeze(step.get_params(deep=True))))
    return (k, tuple(parts))
