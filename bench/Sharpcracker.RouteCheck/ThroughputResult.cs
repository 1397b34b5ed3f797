namespace Sharpcracker.RouteCheck;

/// <summary>One closed-loop run: requests a second, latency percentiles (µs), requests that failed.</summary>
internal sealed record ThroughputResult(double PerSecond, double P50Micros, double P99Micros, long Errors);
