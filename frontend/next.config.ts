import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // Everything runs offline: never reach out for telemetry-like features or remote images.
  images: { unoptimized: true },
};

export default nextConfig;
