import type { Metadata } from "next";
import { GpuBoardView } from "../../../../components/gpus/gpu-board-view";

export const metadata: Metadata = { title: "GPUs" };

export default function GpusPage() {
  return <GpuBoardView />;
}
