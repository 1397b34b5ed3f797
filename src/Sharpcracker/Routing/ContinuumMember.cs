
namespace Sharpcracker.Routing;

/// <summary>One live server of a pool as the distribution sees it.</summary>
/// <param name="ServerIndex">Index of the server in the pool's server list (twemproxy order).</param>
/// <param name="Name">twemproxy server name: explicit name, else host:port, host alone for port 11211.</param>
/// <param name="Weight">Server weight, at least 1.</param>
internal readonly record struct ContinuumMember(int ServerIndex, string Name, int Weight);
