import { RefreshCwIcon, ServerCrashIcon } from "lucide-react";

import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import type { ApiError } from "@/lib/api";

/** A failed load: "Cannot reach the StoryReel backend at …" for network errors, the server's reason otherwise. */
export function LoadErrorAlert({
  error,
  onRetry,
  title,
}: {
  error: ApiError;
  onRetry?: () => void;
  title?: string;
}) {
  return (
    <Alert variant="destructive">
      <ServerCrashIcon aria-hidden="true" />
      <AlertTitle>
        {title ?? (error.isNetworkError ? "The backend is unreachable" : "Something went wrong")}
      </AlertTitle>
      <AlertDescription>
        <p>{error.message}</p>
        {error.isNetworkError && (
          <p className="text-muted-foreground">
            Check that the StoryReel backend is running (see the README), then try again.
          </p>
        )}
        {onRetry && (
          <div className="pt-2">
            <Button variant="outline" size="sm" onClick={onRetry}>
              <RefreshCwIcon aria-hidden="true" />
              Try again
            </Button>
          </div>
        )}
      </AlertDescription>
    </Alert>
  );
}
