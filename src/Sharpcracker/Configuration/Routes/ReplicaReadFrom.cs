namespace Sharpcracker.Configuration.Routes;

/// <summary>Which replica a read tries first (<c>read_from</c>).</summary>
internal enum ReplicaReadFrom
{
    /// <summary>Chosen by a hash of the key: every client reads a key from the same replica.</summary>
    Key,
    /// <summary>Chosen by the client connection: one client's reads stay on one replica.</summary>
    Client,
}
