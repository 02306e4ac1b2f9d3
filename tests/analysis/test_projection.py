"""2-D projections: PCA, t-SNE, UMAP-if-installed, sampling, progress, cancel and bad input."""

import numpy as np
import pytest

from embedflow.analysis.projection import (
    BARNES_HUT_ROWS,
    PARALLEL_TSNE_ROWS,
    ProjectionError,
    pca,
    project,
    tsne_threads,
)
from embedflow.core.errors import Cancelled


def clusters(rows=90, dims=10, seed=0):
    rng = np.random.default_rng(seed)
    labels = np.arange(rows) % 3
    vectors = rng.standard_normal((rows, dims)) + labels[:, None] * 8.0
    return vectors.astype(np.float32), labels


def test_pca_matches_the_covariance_eigenvectors():
    vectors, _ = clusters(200, 6)
    coords, ratios = pca(vectors)
    centred = vectors.astype(np.float64) - vectors.mean(axis=0)
    eigenvalues, eigenvectors = np.linalg.eigh(centred.T @ centred)
    expected = centred @ eigenvectors[:, ::-1][:, :2]
    for axis in range(2):
        assert abs(np.corrcoef(coords[:, axis], expected[:, axis])[0, 1]) > 0.9999
    np.testing.assert_allclose(ratios, eigenvalues[::-1][:2] / eigenvalues.sum(), rtol=1e-4)


def test_randomized_pca_of_wide_data_matches_exact_pca():
    vectors = np.random.default_rng(1).standard_normal((300, 100)).astype(np.float32)
    vectors[:, 0] *= 10
    vectors[:, 1] *= 5
    coords, _ = pca(vectors)
    centred = vectors - vectors.mean(axis=0)
    u, s, _ = np.linalg.svd(centred, full_matrices=False)
    for axis in range(2):
        assert abs(np.corrcoef(coords[:, axis], u[:, axis] * s[axis])[0, 1]) > 0.999


def optimal_variance(vectors):
    """The sum of squares of the best two axes, from numpy's SVD in float64."""
    centred = vectors.astype(np.float64) - vectors.mean(axis=0, dtype=np.float64)
    s = np.linalg.svd(centred, compute_uv=False)
    return s[0] ** 2 + s[1] ** 2, (s ** 2).sum()


@pytest.mark.parametrize("shape", [(3000, 128), (60, 700)], ids=["more-rows", "more-features"])
def test_pca_captures_the_optimal_variance(shape):
    # No dominant direction: the hardest case for an approximate solver.
    vectors = np.random.default_rng(2).standard_normal(shape).astype(np.float32)
    coords, ratios = pca(vectors)
    best, total = optimal_variance(vectors)
    assert (coords.astype(np.float64) ** 2).sum() == pytest.approx(best, rel=1e-5)
    assert ratios.sum() == pytest.approx(best / total, rel=1e-5)


def test_pca_of_data_large_on_both_sides_is_near_optimal_when_two_directions_stand_out():
    vectors = np.random.default_rng(3).standard_normal((700, 600)).astype(np.float32)
    vectors[:, :2] *= [3.0, 2.0]
    coords, _ = pca(vectors)
    best, _ = optimal_variance(vectors)
    assert (coords.astype(np.float64) ** 2).sum() >= 0.999 * best


def test_pca_axes_have_a_fixed_sign():
    vectors, _ = clusters(200, 6)
    coords, _ = pca(vectors)
    largest = coords[np.abs(coords).argmax(axis=0), [0, 1]]
    assert (largest > 0).all()
    assert np.array_equal(coords, pca(-vectors)[0])


def test_pca_axes_name_the_explained_variance():
    result = project(clusters()[0], "pca")
    assert result.axes[0].startswith("PC1 (") and result.axes[0].endswith("%)")


def test_tsne_keeps_clusters_apart():
    vectors, labels = clusters(90)
    coords = project(vectors, "tsne", perplexity=10).coords
    centres = np.array([coords[labels == c].mean(axis=0) for c in range(3)])
    spread = max(np.linalg.norm(coords[labels == c] - centres[c], axis=1).mean() for c in range(3))
    gaps = [np.linalg.norm(centres[a] - centres[b]) for a, b in ((0, 1), (0, 2), (1, 2))]
    assert min(gaps) > 2 * spread


def test_small_inputs_run_tsne_on_one_thread():
    assert tsne_threads(PARALLEL_TSNE_ROWS - 1, cores=2) == 1


def test_large_inputs_run_tsne_on_every_usable_core():
    assert tsne_threads(PARALLEL_TSNE_ROWS, cores=2) == 2
    assert tsne_threads(PARALLEL_TSNE_ROWS, cores=4) == 4


def test_tsne_threads_follow_the_openmp_limit_set_around_the_run():
    import openTSNE  # noqa: F401  (loads the OpenMP runtime whose limit is read)
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1, user_api="openmp"):
        assert tsne_threads(PARALLEL_TSNE_ROWS) == 1


@pytest.mark.parametrize("rows, method", [(BARNES_HUT_ROWS - 1, "bh"), (BARNES_HUT_ROWS, "fft")])
def test_tsne_uses_barnes_hut_for_small_inputs_and_fft_for_large(monkeypatch, rows, method):
    import openTSNE

    chosen = {}

    class FakeTSNE:
        def __init__(self, **options):
            chosen.update(options)

        def fit(self, vectors):
            return np.zeros((len(vectors), 2))

    monkeypatch.setattr(openTSNE, "TSNE", FakeTSNE)
    project(np.random.default_rng(0).standard_normal((rows, 3)), "tsne", sample_size=rows)
    assert chosen["negative_gradient_method"] == method


def test_tsne_reports_progress_up_to_one():
    seen = []
    project(clusters(60)[0], "tsne", progress=lambda fraction, message: seen.append(fraction))
    assert len(seen) > 5 and seen[-1] == 1.0 and seen == sorted(seen)


def test_tsne_stops_when_progress_raises_cancelled():
    calls = []

    def cancel(fraction, message):
        calls.append(fraction)
        if len(calls) == 3:
            raise Cancelled()

    with pytest.raises(Cancelled):
        project(clusters(60)[0], "tsne", progress=cancel)
    assert len(calls) == 3


def test_above_the_threshold_tsne_runs_on_a_sample_with_a_note():
    vectors, _ = clusters(120)
    result = project(vectors, "tsne", sample_size=50)
    assert len(result.projected) == 50
    codes = dict(result.notes)
    assert "random sample of 50 of 120 rows" in codes["projection-sampled"]


def test_large_data_all_projects_every_row_with_a_note():
    result = project(clusters(120)[0], "pca", sample_size=50)
    assert len(result.projected) == 120 and not result.notes
    result = project(clusters(60)[0], "tsne", large="all", sample_size=50)
    assert len(result.projected) == 60 and "projection-large" in dict(result.notes)


def test_nan_rows_get_no_coordinates_and_a_note_with_row_numbers():
    vectors, _ = clusters(30)
    vectors[[4, 9]] = np.nan
    result = project(vectors, "pca")
    assert np.isnan(result.coords[[4, 9]]).all() and np.isfinite(result.coords[:4]).all()
    assert "rows 4, 9" in dict(result.notes)["nan-vectors"]


def test_all_nan_is_a_clear_error():
    with pytest.raises(ProjectionError, match="nothing to project"):
        project(np.full((3, 2), np.nan), "pca")


def test_projection_of_two_points_puts_them_apart_on_the_first_axis():
    result = project(np.array([[0.0, 0.0, 1.0], [2.0, 0.0, 1.0]]), "pca")
    assert abs(result.coords[0, 0] - result.coords[1, 0]) == pytest.approx(2.0, rel=1e-5)
    np.testing.assert_allclose(result.coords[:, 1], 0.0, atol=1e-6)


def test_tsne_of_two_points_falls_back_to_pca_with_a_note():
    result = project(np.array([[0.0, 1.0], [1.0, 0.0]]), "tsne")
    assert result.method == "pca" and "projection-fallback" in dict(result.notes)


def test_one_row_projects_to_the_origin():
    result = project(np.array([[3.0, 4.0]]), "pca")
    np.testing.assert_allclose(result.coords, [[0.0, 0.0]])


def test_identical_vectors_are_noted():
    result = project(np.ones((10, 4)), "tsne")
    assert "identical-vectors" in dict(result.notes) and np.isfinite(result.coords).all()


def test_constant_columns_do_not_break_pca_or_tsne():
    vectors, _ = clusters(40)
    vectors[:, 2:6] = 7.0
    for method in ("pca", "tsne"):
        assert np.isfinite(project(vectors, method).coords).all()


def test_one_dimensional_vectors_project_with_a_flat_second_axis():
    result = project(np.arange(5, dtype=np.float32)[:, None], "none")
    assert result.coords[:, 0].tolist() == [0, 1, 2, 3, 4] and not result.coords[:, 1].any()


def test_none_uses_the_first_two_dimensions():
    vectors, _ = clusters(10)
    np.testing.assert_array_equal(project(vectors, "none").coords, vectors[:, :2])


def test_unknown_projection_is_refused():
    with pytest.raises(ProjectionError, match="Unknown projection"):
        project(clusters()[0], "mds")
