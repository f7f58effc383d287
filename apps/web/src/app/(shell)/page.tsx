import { HomeRedirect } from "../../components/shell/home-redirect";

export default function HomePage() {
  return <HomeRedirect />;
}
