namespace Sharpcracker.Configuration.Routes;

/// <summary>
/// One node of a listener's route tree as the YAML gives it (docs/routes.md): a pool name, or a
/// mapping with one type key (prefix, operation, failover, replicated, shadow, warm_up) and that
/// type's settings beside it. Pool names are checked against the file's pools by the loader.
/// </summary>
internal abstract record RouteConfig
{
    /// <summary>The YAML line the node starts on, for error messages.</summary>
    public required int Line { get; init; }

    /// <summary>The pools the node names, itself and below.</summary>
    public abstract IEnumerable<string> PoolNames();
}
