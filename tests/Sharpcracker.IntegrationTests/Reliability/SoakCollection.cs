namespace Sharpcracker.IntegrationTests.Reliability;

/// <summary>
/// The soak runs alone, after the parallel test classes: its verdicts rest on a pool timeout that a
/// healthy server must meet, and thirteen servers plus the proxy are load enough for two cores.
/// </summary>
[CollectionDefinition(nameof(SoakCollection), DisableParallelization = true)]
public sealed class SoakCollection;
