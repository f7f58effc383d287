import type { Metadata } from "next";
import { BuildPageView } from "../../../../../components/environments/build-view";

export const metadata: Metadata = { title: "Build" };

export default function BuildPage() {
  return <BuildPageView />;
}
