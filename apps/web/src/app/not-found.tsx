import Link from "next/link";

export default function NotFound() {
  return (
    <main className="centered">
      <div className="card narrow">
        <h1>Page not found</h1>
        <p>There is no page at this address. Check the link, or go back to the start.</p>
        <p>
          <Link href="/">Go to your home page</Link>
        </p>
      </div>
    </main>
  );
}
