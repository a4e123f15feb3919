# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""AveragedLinearModel: a linear model trained on partitions in parallel threads, averaged.

Split ``X``/``y`` into partitions, fit a clone per partition on fasthash's thread pool
(:mod:`fasthash.linear_model._partition`), average the models
(:mod:`fasthash.linear_model._reduction`); optionally several rounds of iterative
parameter mixing (each round warm-starts every partition from the last average), and
``partial_fit`` for streams.
"""

import copy
import warnings
from dataclasses import dataclass
from numbers import Integral

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, MetaEstimatorMixin, clone, is_classifier
from sklearn.utils import check_random_state, get_tags
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from fasthash.exceptions import FasthashWarning
from fasthash.linear_model._partition import (
    PARTIAL_FIT,
    averaging_weights,
    check_sample_weight,
    column_counts,
    fit_partition,
    partition_seeds,
    warm_start_mode,
)
from fasthash.linear_model._reduction import contribution, finalize, tree_reduce
from fasthash.utils._parallel import thread_map, with_inner_n_jobs
from fasthash.utils._sklearn_compat import (
    HasMethods,
    Interval,
    NJobs,
    StrOptions,
    validate_params,
)

__all__ = ["AveragedLinearModel"]


def _estimator_has(attr):
    def check(self):
        if hasattr(self, "estimator_"):
            return hasattr(self.estimator_, attr)
        return hasattr(self.estimator, attr)

    return check


@dataclass(eq=False)
class _Partition:
    """One partition of a ``fit``: its rows and what the average needs to know of them."""

    index: int
    rows: np.ndarray
    sample_weight: object  # ndarray or None
    weight: float  # number of rows, or the sum of their sample weights
    seen: object  # labels the rows hold (classifiers), else None
    counts: object  # per-column counts (feature_weighting), else None
    seed: object  # random_state of the partition's clone, or None


@dataclass(eq=False)
class _Stream:
    """What ``partial_fit`` keeps between calls, per partition."""

    entropy: int  # drawn from random_state: seeds each call's split and the clones
    calls: int
    weights: np.ndarray  # sum of the sample weights (or rows) seen
    seen: list  # sets of labels seen
    counts: list  # per-column counts (feature_weighting), or None
    n_samples: np.ndarray

    def split_rng(self):
        """The generator of the next call's split (one per call, from ``entropy``)."""
        return np.random.default_rng([self.entropy, self.calls])

    def seeds(self, n_partitions, random_state):
        """The clones' ``random_state`` (None when the user's ``random_state`` is None)."""
        if random_state is None:
            return [None] * n_partitions
        state = np.random.SeedSequence(self.entropy).generate_state(n_partitions)
        return [int(s) for s in state]


class AveragedLinearModel(MetaEstimatorMixin, BaseEstimator):
    """Fit a linear model on partitions of the data in parallel threads and average it.

    ``fit`` splits ``X``/``y`` into ``n_partitions`` partitions, fits a clone of
    ``estimator`` on each one on fasthash's thread pool (scikit-learn's solvers release the
    GIL; no process, no pickling: each thread takes its rows of the one shared matrix), and
    averages the fitted models with :func:`average_models` (weighted by partition weight,
    classes aligned to the labels of the whole ``y``). With ``n_rounds > 1``, iterative
    parameter mixing: every later round starts each partition's model from the last
    average and trains it once more on its partition (one ``partial_fit`` epoch for
    SGD-like estimators, a warm-started ``fit`` otherwise), then averages again.

    Classifier or regressor as ``estimator`` is (tags, ``score``, stratified CV).

    Parameters
    ----------
    estimator : estimator instance
        A linear model with ``coef_`` and ``intercept_`` (SGDClassifier, SGDRegressor,
        Perceptron, LogisticRegression, LinearSVC, Ridge, RidgeClassifier, ...).
    n_partitions : int, default=2
        Number of partitions (and of models averaged).
    partition : {"contiguous", "shuffle", "stratified"}, default="contiguous"
        ``"contiguous"``: consecutive blocks of rows; ``"shuffle"``: a random permutation
        cut into blocks; ``"stratified"`` (classifiers): every partition gets each class in
        proportion.
    n_rounds : int, default=1
        Rounds of iterative parameter mixing. Needs an estimator that can start from given
        coefficients (``partial_fit``, ``warm_start`` or ``fit(coef_init=...)``).
    feature_weighting : bool, default=False
        Weight each partition's coefficient for a column by how often the partition saw
        the column (``feature_weights`` of :func:`average_models`).
    n_jobs : int or None, default=None
        Threads (fasthash's meaning: None = every usable CPU). The result does not depend
        on it; clones run with ``n_jobs=1``.
    random_state : int, RandomState instance or None, default=None
        Seeds the shuffled/stratified partitions and, when not None, gives each partition's
        clone its own ``random_state``.
    verbose : int, default=0
        Print one line per fitted partition model when > 0.

    Attributes
    ----------
    estimator_ : estimator
        The averaged model: a plain scikit-learn estimator of ``estimator``'s class.
    estimators_ : list of estimators
        The partition models of the last round. ``None`` for a partition that could not
        be fitted (a classifier's partition holding a single class, with an estimator
        without ``partial_fit``: a warning says so) or, in a stream, one that has received
        no sample yet.
    classes_ : ndarray of shape (n_classes,)
        Labels of the whole ``y`` (classifiers only).
    coef_, intercept_ : ndarray
        Those of ``estimator_``.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        When ``X`` has feature names.
    partition_sizes_ : ndarray of shape (n_partitions,)
        Weight of each partition: its number of samples, or the sum of its sample weights
        (negative when they are).

    See Also
    --------
    average_models : average models fitted elsewhere.

    Notes
    -----
    **Sample weights.** Each partition's model is fitted with its samples' weights, as the
    estimator takes them (negative ones included, where the estimator accepts them), and
    weighted in the average by their sum: the weight of the partition's loss in the loss of
    the whole data. The weighted mean is defined when these sums are all positive or all
    negative (then it is the mean weighted by their magnitudes); a partition whose weights
    sum to 0, or sums of both signs, raise a ``ValueError`` naming the partitions.

    **Threads.** They pay off when the estimator's solver releases the GIL for most of its
    work: SGDClassifier/SGDRegressor, Perceptron and PassiveAggressive* do (about 2x on 2
    cores). scikit-learn's liblinear (LinearSVC, LinearSVR,
    ``LogisticRegression(solver="liblinear")``) and libsvm with ``probability=True`` draw
    from one random generator (a Mersenne Twister) that scikit-learn shares across the
    process and seeds at the start of every fit: two such fits at once would interleave
    their draws, so fasthash runs them one at a time, and only their compaction and
    averaging run in parallel. ``fasthash.config_context(private_solver_copies=True)`` runs
    them in parallel on private copies of scikit-learn's solvers (Linux; see
    :func:`fasthash.set_config`). The models are the same either way, bit for bit.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.linear_model import SGDClassifier
    >>> from fasthash.linear_model import AveragedLinearModel
    >>> X, y = make_classification(n_samples=600, n_classes=3, n_informative=5,
    ...                            random_state=0)
    >>> model = AveragedLinearModel(SGDClassifier(random_state=0), n_partitions=3,
    ...                             partition="stratified", random_state=0, n_jobs=2)
    >>> model = model.fit(X, y)
    >>> type(model.estimator_).__name__, model.coef_.shape
    ('SGDClassifier', (3, 20))
    >>> model.score(X, y) > 0.6
    True
    """

    # Fits sub-estimators on fasthash worker threads (see utils._parallel.private_rng).
    _fasthash_thread_pool = True

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "get_params"])],
        "n_partitions": [Interval(Integral, 1, None, closed="left")],
        "partition": [StrOptions({"contiguous", "shuffle", "stratified"})],
        "n_rounds": [Interval(Integral, 1, None, closed="left")],
        "feature_weighting": ["boolean"],
        "n_jobs": [NJobs(), None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        estimator,
        *,
        n_partitions=2,
        partition="contiguous",
        n_rounds=1,
        feature_weighting=False,
        n_jobs=None,
        random_state=None,
        verbose=0,
    ):
        self.estimator = estimator
        self.n_partitions = n_partitions
        self.partition = partition
        self.n_rounds = n_rounds
        self.feature_weighting = feature_weighting
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose

    # -- tags ----------------------------------------------------------------------------

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = get_tags(self.estimator)
        tags.estimator_type = inner.estimator_type
        tags.classifier_tags = copy.deepcopy(inner.classifier_tags)
        tags.regressor_tags = copy.deepcopy(inner.regressor_tags)
        tags.target_tags = copy.deepcopy(inner.target_tags)
        tags.input_tags = copy.deepcopy(inner.input_tags)
        return tags

    # -- validation ----------------------------------------------------------------------

    def _check_params(self):
        """scikit-learn's validation of the parameters, then what depends on two of them."""
        validate_params(self)
        if self.partition == "stratified" and not is_classifier(self.estimator):
            raise ValueError(
                "partition='stratified' needs a classifier; "
                f"{type(self.estimator).__name__} is not one. Use 'contiguous' or 'shuffle'."
            )
        if self.n_rounds > 1 and warm_start_mode(self.estimator) is None:
            raise ValueError(
                f"n_rounds={self.n_rounds} needs an estimator that can start from given "
                "coefficients (partial_fit, warm_start or fit(coef_init=...)): "
                f"{type(self.estimator).__name__} has none. Use n_rounds=1."
            )

    def _validate_X_y(self, X, y, reset):
        tags = get_tags(self.estimator)
        X, y = validate_data(
            self,
            X,
            y,
            reset=reset,
            accept_sparse=("csr", "csc", "coo"),
            dtype=(np.float64, np.float32),
            multi_output=tags.target_tags.multi_output,
            y_numeric=not is_classifier(self.estimator),
        )
        if sp.issparse(X):
            X = sp.csr_matrix(X) if X.format != "csr" else X
        return X, y

    # -- partitioning --------------------------------------------------------------------

    def _split(self, y, rng):
        """Index arrays of the partitions (each sorted, so rows keep their order)."""
        n = len(y)
        k = self.n_partitions
        if self.partition == "contiguous":
            parts = np.array_split(np.arange(n), k)
        elif self.partition == "shuffle":
            parts = [np.sort(p) for p in np.array_split(rng.permutation(n), k)]
        else:
            _, encoded = np.unique(y, return_inverse=True)
            order = np.concatenate(
                [rng.permutation(np.flatnonzero(encoded == c)) for c in range(encoded.max() + 1)]
            )
            # Round robin over the class-grouped order: class counts differ by at most 1.
            slot = np.empty(n, dtype=np.intp)
            slot[order] = np.arange(n) % k
            parts = [np.flatnonzero(slot == p) for p in range(k)]
        return parts

    def _partition_estimator(self, seed):
        est = with_inner_n_jobs(clone(self.estimator))
        if seed is not None and "random_state" in est.get_params(deep=False):
            est.set_params(random_state=int(seed))
        return est

    # -- fitting -------------------------------------------------------------------------

    def _contribution_of(self, est, weight, seen, counts, n_samples, origin):
        column_weights = None
        if self.feature_weighting:
            column_weights = counts / max(n_samples, 1.0)
        classes = self.classes_ if hasattr(self, "classes_") else None
        return contribution(
            est,
            weight,
            classes=classes,
            column_weights=column_weights,
            seen_classes=seen,
            origin=origin,
        )

    def _set_from(self, averaged):
        self.estimator_ = averaged
        self.coef_ = averaged.coef_
        self.intercept_ = averaged.intercept_
        if hasattr(averaged, "classes_") and is_classifier(self.estimator):
            self.classes_ = averaged.classes_

    def _log(self, message):
        if self.verbose:
            print(f"[AveragedLinearModel] {message}")

    def _partitions(self, X, y, sample_weight, rng):
        """The partitions of ``fit``, with their weights, labels, counts and seeds."""
        classifier = is_classifier(self.estimator)
        rows = self._split(y, rng)
        seeds = partition_seeds(None if self.random_state is None else rng, len(rows))
        partitions = []
        for p, idx in enumerate(rows):
            sw = None if sample_weight is None else sample_weight[idx]
            partitions.append(
                _Partition(
                    index=p,
                    rows=idx,
                    sample_weight=sw,
                    weight=float(len(idx)) if sw is None else float(sw.sum()),
                    seen=np.unique(y[idx]) if classifier else None,
                    counts=column_counts(X[idx]) if self.feature_weighting else None,
                    seed=seeds[p],
                )
            )
        return partitions

    def _fittable(self, partitions, mode):
        """Which partitions the first round can fit (all but single-class ones, for a
        classifier without partial_fit); raises when a class would be lost."""
        if not is_classifier(self.estimator):
            return [True] * len(partitions)
        # A partition holding a single class cannot be fitted by ``fit``; an estimator
        # with partial_fit fits it with the global label set (its rows for the classes it
        # never saw then get a vanishing weight in the average).
        fittable = [len(p.seen) >= 2 or mode == PARTIAL_FIT for p in partitions]
        covered = set()
        for ok, p in zip(fittable, partitions):
            if ok:
                covered.update(p.seen.tolist())
        missing = [c for c in self.classes_.tolist() if c not in covered]
        if missing:
            raise ValueError(
                f"Classes {missing!r} occur only in partitions holding a single class, "
                "which cannot be fitted: use partition='stratified' (or 'shuffle') or "
                "fewer partitions."
            )
        if self.n_rounds > 1 and mode != PARTIAL_FIT:
            short = [p.index for p in partitions if len(p.seen) != len(self.classes_)]
            if short:
                raise ValueError(
                    f"n_rounds={self.n_rounds} with {type(self.estimator).__name__} "
                    f"(warm-started with {mode}) needs every partition to contain every "
                    f"class, but partition(s) {short} do not: use partition='stratified'."
                )
        left_out = [p.index for ok, p in zip(fittable, partitions) if not ok]
        if left_out:
            warnings.warn(
                f"Partition(s) {left_out} hold a single class, which "
                f"{type(self.estimator).__name__}.fit cannot fit (it has no partial_fit): "
                "they are left out of the average (estimators_ holds None for them). Use "
                "partition='stratified' to give every partition every class.",
                FasthashWarning,
                stacklevel=3,
            )
        return fittable

    def fit(self, X, y, sample_weight=None):
        """Fit one clone per partition in parallel and average them.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
        sample_weight : array-like of shape (n_samples,), default=None
            Passed to each partition's ``fit``; partitions are then weighted by the sum of
            their sample weights (see the Notes of the class).

        Returns
        -------
        self : AveragedLinearModel
        """
        self._check_params()
        for attr in ("classes_", "estimators_", "_stream"):
            if hasattr(self, attr):
                delattr(self, attr)
        X, y = self._validate_X_y(X, y, reset=True)
        n = X.shape[0]
        classifier = is_classifier(self.estimator)
        if classifier:
            check_classification_targets(y)
            self.classes_ = np.unique(y)
            if len(self.classes_) < 2:
                raise ValueError(
                    "The number of classes has to be greater than one; got "
                    f"{len(self.classes_)} class."
                )
        if sample_weight is not None:
            sample_weight = check_sample_weight(sample_weight, n)
        if self.n_partitions > n:
            raise ValueError(
                f"n_partitions={self.n_partitions} is larger than the number of samples "
                f"({n}); every partition needs at least one sample."
            )
        rng = check_random_state(self.random_state)
        partitions = self._partitions(X, y, sample_weight, rng)
        weights = averaging_weights([p.weight for p in partitions])
        self.partition_sizes_ = np.array([p.weight for p in partitions])
        mode = warm_start_mode(self.estimator)
        fittable = self._fittable(partitions, mode)

        averaged = None
        for r in range(self.n_rounds):

            def work(part, averaged=averaged, r=r):
                if averaged is None and not fittable[part.index]:
                    return None, None
                est, seen = fit_partition(
                    self._partition_estimator(part.seed), X[part.rows], y[part.rows],
                    classes=self.classes_ if classifier else None, seen=part.seen,
                    averaged=averaged, mode=mode, sample_weight=part.sample_weight,
                )
                self._log(f"round {r + 1}: partition {part.index} fitted on {len(part.rows)} "
                          "samples")
                return est, self._contribution_of(
                    est, weights[part.index], seen, part.counts, len(part.rows), part.index
                )

            results = thread_map(work, partitions, self.n_jobs)
            self.estimators_ = [est for est, _ in results]
            averaged = finalize(tree_reduce(c for _, c in results if c is not None))
        self._set_from(averaged)
        # partial_fit after fit continues from the partition models.
        self._stream = _Stream(
            entropy=int(rng.randint(np.iinfo(np.int32).max)),
            calls=0,
            weights=np.array(
                [p.weight if est is not None else 0.0
                 for p, est in zip(partitions, self.estimators_)]
            ),
            seen=[set(p.seen.tolist()) if classifier else set() for p in partitions],
            counts=[p.counts for p in partitions],
            n_samples=np.array(
                [float(len(p.rows)) if est is not None else 0.0
                 for p, est in zip(partitions, self.estimators_)]
            ),
        )
        return self

    def _start_stream(self, classes):
        if is_classifier(self.estimator):
            if classes is None:
                raise ValueError("classes must be passed on the first call to partial_fit.")
            self.classes_ = np.unique(np.asarray(classes))
        k = self.n_partitions
        rng = check_random_state(self.random_state)
        self._stream = _Stream(
            entropy=int(rng.randint(np.iinfo(np.int32).max)),
            calls=0,
            weights=np.zeros(k),
            seen=[set() for _ in range(k)],
            counts=[None] * k,
            n_samples=np.zeros(k),
        )
        self.estimators_ = [None] * k

    @available_if(_estimator_has("partial_fit"))
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """Train the partition models on one chunk of a stream and re-average.

        The chunk is split over the ``n_partitions`` partition models (kept between
        calls); each one runs its estimator's ``partial_fit`` on its share in parallel,
        then all are averaged into ``estimator_`` (each weighted by the sum of the sample
        weights it has seen; see the Notes of the class). With ``n_rounds > 1``, every call
        is one round of iterative parameter mixing: the partition models first restart
        from the last average.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        classes : array-like, default=None
            All the labels of the stream; required on the first call for classifiers.
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self : AveragedLinearModel
        """
        first = not hasattr(self, "_stream")
        if first:
            self._check_params()
        if self.n_partitions != len(getattr(self, "estimators_", [None] * self.n_partitions)):
            raise ValueError(
                f"n_partitions changed from {len(self.estimators_)} to {self.n_partitions} "
                "since the model was fitted; call fit to start again."
            )
        X, y = self._validate_X_y(X, y, reset=first)
        if sample_weight is not None:
            sample_weight = check_sample_weight(sample_weight, X.shape[0])
        classifier = is_classifier(self.estimator)
        k = self.n_partitions
        if first:
            self._start_stream(classes)
        elif classifier and classes is not None:
            if not np.array_equal(np.unique(np.asarray(classes)), self.classes_):
                raise ValueError(
                    f"classes={classes!r} is not the same as on the first call to "
                    f"partial_fit: {self.classes_!r}."
                )
        if classifier:
            check_classification_targets(y)
            unknown = np.setdiff1d(np.unique(y), self.classes_)
            if unknown.size:
                raise ValueError(
                    f"y contains labels {unknown.tolist()!r} not in classes {self.classes_!r}."
                )
        stream = self._stream
        rng = stream.split_rng()
        stream.calls += 1
        parts = self._split(y, rng) if len(y) >= k else [
            np.arange(len(y)) if p == 0 else np.arange(0) for p in range(k)
        ]
        # The weights the partitions will have after this chunk: checked before fitting.
        weights = stream.weights.copy()
        n_samples = stream.n_samples.copy()
        for p, idx in enumerate(parts):
            weights[p] += len(idx) if sample_weight is None else sample_weight[idx].sum()
            n_samples[p] += len(idx)
        averaging = averaging_weights(weights, present=n_samples > 0)
        seeds = stream.seeds(k, self.random_state)
        previous = getattr(self, "estimator_", None)
        sync = self.n_rounds > 1 and previous is not None

        def work(p):
            idx = parts[p]
            est = self.estimators_[p]
            if sync and est is not None:
                params = est.get_params(deep=False)
                est = copy.deepcopy(previous)
                est.set_params(**params)
            if len(idx) == 0:
                return est
            if est is None:
                est = self._partition_estimator(seeds[p])
            kwargs = {}
            if classifier:
                kwargs["classes"] = self.classes_
            if sample_weight is not None:
                kwargs["sample_weight"] = sample_weight[idx]
            est.partial_fit(X[idx], y[idx], **kwargs)
            return est

        self.estimators_ = thread_map(work, range(k), self.n_jobs)
        stream.weights, stream.n_samples = weights, n_samples
        for p, idx in enumerate(parts):
            if len(idx) == 0:
                continue
            if classifier:
                stream.seen[p].update(np.unique(y[idx]).tolist())
            if self.feature_weighting:
                c = column_counts(X[idx])
                stream.counts[p] = c if stream.counts[p] is None else stream.counts[p] + c
        contributions = []
        for p, est in enumerate(self.estimators_):
            if est is None or n_samples[p] == 0:
                continue
            if not classifier:
                seen = None
            elif self.n_rounds > 1:  # every model restarts from the average: plain mixing
                seen = self.classes_
            else:
                seen = np.array(sorted(stream.seen[p]), dtype=self.classes_.dtype)
            contributions.append(
                self._contribution_of(
                    est, averaging[p], seen, stream.counts[p], stream.n_samples[p], p
                )
            )
        self.partition_sizes_ = stream.weights.copy()
        self._set_from(finalize(tree_reduce(contributions)))
        return self

    # -- delegation ----------------------------------------------------------------------

    @available_if(_estimator_has("predict"))
    def predict(self, X):
        """Predict with the averaged model (``estimator_.predict``)."""
        check_is_fitted(self)
        return self.estimator_.predict(self._check_X(X))

    @available_if(_estimator_has("predict_proba"))
    def predict_proba(self, X):
        """Class probabilities of the averaged model (``estimator_.predict_proba``)."""
        check_is_fitted(self)
        return self.estimator_.predict_proba(self._check_X(X))

    @available_if(_estimator_has("predict_log_proba"))
    def predict_log_proba(self, X):
        """Log-probabilities of the averaged model (``estimator_.predict_log_proba``)."""
        check_is_fitted(self)
        return self.estimator_.predict_log_proba(self._check_X(X))

    @available_if(_estimator_has("decision_function"))
    def decision_function(self, X):
        """Decision function of the averaged model (``estimator_.decision_function``)."""
        check_is_fitted(self)
        return self.estimator_.decision_function(self._check_X(X))

    @available_if(_estimator_has("score"))
    def score(self, X, y, sample_weight=None):
        """Score of the averaged model (accuracy for classifiers, R^2 for regressors)."""
        check_is_fitted(self)
        return self.estimator_.score(self._check_X(X), y, sample_weight=sample_weight)

    def _check_X(self, X):
        return validate_data(
            self,
            X,
            reset=False,
            accept_sparse=("csr", "csc", "coo"),
            dtype=(np.float64, np.float32),
        )

    def __sklearn_is_fitted__(self):
        return hasattr(self, "estimator_")
