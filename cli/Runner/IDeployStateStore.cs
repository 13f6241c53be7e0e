namespace Lbdeploy.Runner;

/// <summary>Where the record of what apply did is kept (<see cref="DeployStateFile"/>: deploy/applied.json).</summary>
public interface IDeployStateStore
{
    /// <summary>The deployment's folders (applied plan, logs, pids) beside the record.</summary>
    DeployPaths Paths { get; }

    /// <summary>The last saved state, or null when nothing is applied.</summary>
    DeployState? Load();

    /// <summary>Replaces the record with <paramref name="state"/>, stamped with the time of saving.</summary>
    void Save(DeployState state);

    /// <summary>Removes the record and the deployment's folder (nothing is applied any more).</summary>
    void Delete();
}
