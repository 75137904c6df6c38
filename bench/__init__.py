"""Benchmarks of luutru (``python -m bench``): crawl throughput and extraction speed/accuracy.

They print figures; nothing here is a timed test. See bench/README.md.
"""
