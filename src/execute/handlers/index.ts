import type { ActionName } from "../params.ts";
import { captureBucket, blockBucket, captureDistribution, disableDistribution, captureKeyUsage, deactivateKey } from "./account.ts";
import { asgDetach, asgLowerMin, asgProtect, asgStandby, asgSuspend } from "./asg.ts";
import { captureMetadata, keepVolumes, protectTermination, shutdownStop, snapshotVolumes, stopInstance, tagResources } from "./instance.ts";
import { deregisterClassic, deregisterTargets } from "./lb.ts";
import { createGroup, isolateEni, naclDeny, replaceRules } from "./network.ts";
import type { HandlerFor } from "./types.ts";

/** Every action's handler: the one place that says how a step is done and undone. */
export const HANDLERS: { [N in ActionName]: HandlerFor<N> } = {
  "capture-metadata": captureMetadata,
  "protect-termination": protectTermination,
  "shutdown-stop": shutdownStop,
  "keep-volumes": keepVolumes,
  "snapshot-volumes": snapshotVolumes,
  "asg-suspend-processes": asgSuspend,
  "asg-protect-scale-in": asgProtect,
  "asg-lower-min": asgLowerMin,
  "asg-standby": asgStandby,
  "asg-detach": asgDetach,
  "deregister-targets": deregisterTargets,
  "deregister-classic": deregisterClassic,
  "create-all-traffic-group": createGroup,
  "create-isolation-group": createGroup,
  "isolate-eni": isolateEni,
  "nacl-deny": naclDeny,
  "stop-instance": stopInstance,
  "tag-resources": tagResources,
  "revoke-open-ingress": replaceRules,
  "close-web-ingress": replaceRules,
  "block-smtp-egress": replaceRules,
  "capture-bucket": captureBucket,
  "block-bucket-public-access": blockBucket,
  "capture-distribution": captureDistribution,
  "disable-distribution": disableDistribution,
  "capture-key-usage": captureKeyUsage,
  "deactivate-access-key": deactivateKey,
};
