"""The gallery's image scraper, in a module of its own so Sphinx can pickle its configuration."""

from sphinx_gallery.scrapers import matplotlib_scraper


class TightScraper:
    """matplotlib's scraper saving with bbox_inches="tight".

    plot_samples puts its legend outside the axes, which a plain savefig cuts
    off. A class with a fixed repr, so Sphinx sees the same configuration on
    every build and keeps its cache.
    """

    def __repr__(self):
        return "TightScraper"

    def __call__(self, block, block_vars, gallery_conf):
        return matplotlib_scraper(block, block_vars, gallery_conf, bbox_inches="tight")
