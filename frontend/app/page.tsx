import { ProjectDashboard } from "@/components/dashboard/project-dashboard";

export default function DashboardPage() {
  return <ProjectDashboard />;
}
