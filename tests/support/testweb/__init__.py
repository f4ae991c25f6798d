"""The test web as tests and benchmarks use it: the package's demo web plus request logs and ground truth."""
